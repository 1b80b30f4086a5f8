symdiff eval "log(mean(exp(w*y)))" --data ../../../examples/data/s002_linreg.csv --at w=1000
