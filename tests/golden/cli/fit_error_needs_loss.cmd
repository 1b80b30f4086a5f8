symdiff fit --data ../../../examples/data/s002_linreg.csv
