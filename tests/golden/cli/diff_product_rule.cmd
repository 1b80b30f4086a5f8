symdiff diff "x^2*sin(x)"
