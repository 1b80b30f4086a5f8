symdiff diff "exp(-x^2/2)"
