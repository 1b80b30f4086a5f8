symdiff eval "sum(i = 1..n, x[i]^2)" --at 1,x=2
