symdiff eval "sum(i = 1..3, x[i]^2)" --at 'x=[1,2,3]'
