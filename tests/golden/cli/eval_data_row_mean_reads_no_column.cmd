symdiff eval "mean(2*m)" --at m=1.5 --data ../../../examples/data/s002_linreg.csv
