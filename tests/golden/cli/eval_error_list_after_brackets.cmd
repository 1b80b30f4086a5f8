symdiff eval "sum(i = 1..n, x[i]^2)" --at 'x=[1,2],3'
