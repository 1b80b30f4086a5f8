symdiff fit "mean((m - 3)^2)" --data ../../../examples/data/s002_linreg.csv --lr 0.25 --epochs 20
