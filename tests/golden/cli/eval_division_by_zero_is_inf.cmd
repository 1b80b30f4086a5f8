symdiff eval 1/0
