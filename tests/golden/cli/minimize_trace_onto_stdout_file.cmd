symdiff minimize "x^2" --from x=3 --lr 0.1 --steps 2 --trace /dev/stdout
