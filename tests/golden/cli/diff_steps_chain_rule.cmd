symdiff diff "(3x + 1)^2" --steps --at x=2
