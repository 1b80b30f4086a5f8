symdiff eval "sum(i = 1..n-1, x[i]*x[i+1])" --at 'x=[1,2,3]' --format json
