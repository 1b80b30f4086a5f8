symdiff diff "(x + 2)/(x^2 - 4)"
