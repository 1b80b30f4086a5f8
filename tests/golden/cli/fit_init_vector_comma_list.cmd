symdiff fit "mean((w[1] + w[2]*x - y)^2)" --data ../../../examples/data/s002_linreg.csv --init w=0.5,0.5 --lr 0.05 --epochs 200
