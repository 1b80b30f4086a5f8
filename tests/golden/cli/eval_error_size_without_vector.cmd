symdiff eval "sum(i = 1..n, i^2)"
