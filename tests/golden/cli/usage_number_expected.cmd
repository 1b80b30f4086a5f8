symdiff minimize "x^2" --from x=1 --tol abc
