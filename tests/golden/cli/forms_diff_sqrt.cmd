symdiff diff "sqrt(x)"
