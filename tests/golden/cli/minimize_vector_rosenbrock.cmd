symdiff minimize "sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)" --from 'x=[-1.2,1]*50' --method lbfgs --tol 1e-6 --steps 100000
