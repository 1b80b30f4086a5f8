symdiff check "sum(i = 1..n, x[i]^2)" --at 'x=[1,2],z=[3,4,5],q=2'
