symdiff minimize "x^2 - y^2" --from "x=1,y=0;x=1,y=0.001" --lr 0.001,0.01
