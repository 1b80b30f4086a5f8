symdiff diff "x^1.5"
