symdiff eval "x + 0.2" --at x=0.1
