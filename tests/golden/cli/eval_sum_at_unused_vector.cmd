symdiff eval "sum(i = 1..n, x[i])" --at 'x=[1,2],z=[3,4,5]'
