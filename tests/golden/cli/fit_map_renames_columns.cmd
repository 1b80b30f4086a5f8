symdiff fit "mean((m*hours + b - score)^2)" --data ../../../examples/data/s002_linreg.csv --map x=hours,y=score --method lbfgs --epochs 50 --tol 1e-10
