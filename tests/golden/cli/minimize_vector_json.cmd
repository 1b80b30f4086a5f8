symdiff minimize "sum(i = 1..n, (x[i] - i)^2)" --from 'x=[0]*3' --method lbfgs --tol 1e-9 --format json
