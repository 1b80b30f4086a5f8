symdiff eval x --at x
