symdiff eval "m*x" --data ../../../examples/data/s002_linreg.csv --at 'm=[1,2]'
