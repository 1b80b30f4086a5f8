symdiff minimize "x^4-3*x^3+2" --from x=4 --lr 0.1 --steps 100
