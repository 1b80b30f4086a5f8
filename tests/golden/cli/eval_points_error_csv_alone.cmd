symdiff eval "x^2" --at x=1 --format csv
