symdiff eval "x^2"
