symdiff eval "m*x + b" --data ../../../examples/data/s002_linreg.csv --at m=0.5,b=-0.3 --format csv | head -4
