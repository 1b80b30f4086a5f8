symdiff minimize "mean((m*x + b - y)^2)" --data ../../../examples/data/s002_linreg.csv --from m=0,b=0 --lr 0.05 --steps 200 --backend interp
