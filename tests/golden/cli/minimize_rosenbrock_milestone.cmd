symdiff minimize "(1-x)^2+100*(y-x^2)^2" --from x=-1,y=1 --lr 0.001 --steps 10000
