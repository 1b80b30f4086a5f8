symdiff minimize "x^2" --from z=1
