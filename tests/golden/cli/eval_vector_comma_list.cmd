symdiff eval "sum(i = 1..n, x[i]^2) + y" --at x=-1.2,1,0.5,y=2
