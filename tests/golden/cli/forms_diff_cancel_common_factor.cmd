symdiff diff "(x^2-1)/(x^2+2x+1)"
