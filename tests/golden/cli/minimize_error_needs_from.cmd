symdiff minimize "x^2"
