symdiff minimize "(1-alpha)^2 + beta^2" --from alpha=0,bta=1
