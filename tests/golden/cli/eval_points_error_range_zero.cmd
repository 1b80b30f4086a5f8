symdiff eval "x^2" --at x=0..1:0
