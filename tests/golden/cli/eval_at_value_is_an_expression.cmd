symdiff eval "sin(x)" --at x=pi/2
