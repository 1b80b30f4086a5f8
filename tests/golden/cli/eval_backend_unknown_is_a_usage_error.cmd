symdiff eval "x^2" --at x=3 --backend fast
