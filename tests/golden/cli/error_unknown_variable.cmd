symdiff eval "x + y" --at x=1
