symdiff eval "sum(i = 1..10^10, sin(i))"
