symdiff eval "[x, x^2, sin(0)]" --at x=3
