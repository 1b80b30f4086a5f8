symdiff eval "x*y" --at x=3 --at y=4
