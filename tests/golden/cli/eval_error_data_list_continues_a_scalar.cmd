symdiff eval "mean((m*x + b - y)^2)" --data ../../../examples/data/s002_linreg.csv --at m=0.5,1
