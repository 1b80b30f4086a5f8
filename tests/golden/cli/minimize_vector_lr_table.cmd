symdiff minimize "sum(i = 1..n, (x[i] - 1)^2) + (c - 2)^2" --from 'c=0,x=[0]*4' --lr 0.1,0.5,1.1 --steps 50
