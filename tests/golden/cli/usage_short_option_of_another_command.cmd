symdiff eval -O2 x
