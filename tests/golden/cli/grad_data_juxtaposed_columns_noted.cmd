symdiff grad "mean((m*x + b - yy)^2)" --data ../../../examples/data/s002_linreg.csv --at m=1,b=0 --wrt m,b
