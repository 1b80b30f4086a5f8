symdiff eval "ln(-1)"
