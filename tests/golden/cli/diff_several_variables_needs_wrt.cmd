symdiff diff "x^2*y"
