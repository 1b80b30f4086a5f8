symdiff eval "sum(i = 1..n, x[i])" --at x=1,n=2
