symdiff minimize "(1-x)^2 + 100(y-x^2)^2" --from x=-1,y=1 --method gd,momentum,adam --lr 0.001,0.002 --steps 2000 --trace - --trace-every 1000
