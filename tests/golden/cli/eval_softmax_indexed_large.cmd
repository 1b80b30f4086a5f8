symdiff eval "exp(x[1])/sum(i=1..n, exp(x[i]))" --at 'x=[1000,1,2]'
