symdiff eval "sum(i = 1..n, x[i]*y[i])" --at x=1,2,3,y=4,5
