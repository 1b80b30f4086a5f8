symdiff diff "(x^2+1)/(x-1)"
