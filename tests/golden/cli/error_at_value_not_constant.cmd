symdiff eval "x" --at x=y
