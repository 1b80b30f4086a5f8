symdiff eval "sum(1)"
