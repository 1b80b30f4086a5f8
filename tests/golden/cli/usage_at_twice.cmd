symdiff eval x --at x=1,x=2
