symdiff minimize "x^2" --from x=1 --rl 0.1
