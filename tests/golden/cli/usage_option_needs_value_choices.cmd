symdiff eval x --format
