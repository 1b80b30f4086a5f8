symdiff eval --at x=1
