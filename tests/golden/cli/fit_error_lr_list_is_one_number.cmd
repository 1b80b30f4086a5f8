symdiff fit "mean((m*x + b - y)^2)" --data ../../../examples/data/s002_linreg.csv --lr 0.01,0.05
