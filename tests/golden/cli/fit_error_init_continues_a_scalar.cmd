symdiff fit "mean((m*x + b - y)^2)" --data ../../../examples/data/s002_linreg.csv --init m=0,1
