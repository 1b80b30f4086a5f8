symdiff eval "[sum(1), mean(x), sum(1)*mean(x) - sum(x)]" --data ../../../examples/data/s002_linreg.csv
