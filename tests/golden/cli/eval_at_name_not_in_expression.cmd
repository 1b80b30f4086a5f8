symdiff eval "x" --at x=1,z=2
