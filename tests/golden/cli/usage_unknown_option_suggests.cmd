symdiff eval x --at x=1 --h
