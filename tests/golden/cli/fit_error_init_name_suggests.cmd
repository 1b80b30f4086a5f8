symdiff fit "mean((m*x + bias - y)^2)" --data ../../../examples/data/s002_linreg.csv --init bais=1
