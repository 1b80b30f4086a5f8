symdiff minimize "x^2" --from x=5 --lr 0.9 --steps 30 --schedule step:0.5:10
