symdiff minimize "mean((m - 3)^2)" --data ../../../examples/data/s002_linreg.csv --from m=0 --method lbfgs --tol 1e-12
