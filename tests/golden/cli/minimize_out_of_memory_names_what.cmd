(ulimit -v 600000; symdiff minimize "sum(i = 1..n, x[i]^2)" --from 'x=[0]*100000000' --steps 1)
