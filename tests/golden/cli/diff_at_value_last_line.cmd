symdiff diff "(3x+1)^2" --at x=2
