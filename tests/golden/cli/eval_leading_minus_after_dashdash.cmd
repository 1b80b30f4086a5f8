symdiff eval --at x=3 -- -x
