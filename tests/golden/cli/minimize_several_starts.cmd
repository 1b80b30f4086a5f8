symdiff minimize "sin(3*x)+0.1*x^2" --from "x=-3.5;x=-1" --from x=1.5 --from x=3 --lr 0.05 --steps 100
