symdiff eval "2^3^2"
