symdiff eval "mean(X)" --data ../../../examples/data/s002_linreg.csv
