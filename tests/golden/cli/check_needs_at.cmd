symdiff check "x^2"
