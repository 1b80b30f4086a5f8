symdiff diff "x^(3/2)"
