symdiff fit "mean((wx + b - y)^2)" --data ../../../examples/data/s002_linreg.csv --method lbfgs --epochs 50
