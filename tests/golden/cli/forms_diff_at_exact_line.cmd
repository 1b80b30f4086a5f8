symdiff diff "sqrt(x)" --at x=2
