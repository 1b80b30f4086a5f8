symdiff fit "mean((w*x + b - y)^2)" --data ../../../examples/data/s000_linreg.csv --lr 0.1 --epochs 100 --backend interp
