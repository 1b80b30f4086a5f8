symdiff minimize "x^2" --from x=5 --lr 0.001,0.01,0.1,0.5,0.99,1.01 --steps 50
