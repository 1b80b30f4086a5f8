symdiff minimize "sum(i = 1..n, x[i]^2) + m^2" --from 'x=1,2,m=0;x=3,m=1,2'
