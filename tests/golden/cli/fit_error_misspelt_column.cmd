symdiff fit "mean((m*x + b - Y)^2)" --data ../../../examples/data/s002_linreg.csv
