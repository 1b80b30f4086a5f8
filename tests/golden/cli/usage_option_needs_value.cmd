symdiff eval x --at
