symdiff grad "mean((m - 3)^2)" --at m=1 --data ../../../examples/data/s002_linreg.csv
