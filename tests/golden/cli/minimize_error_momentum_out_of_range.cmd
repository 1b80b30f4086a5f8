symdiff minimize "x^2" --from x=1 --method momentum --momentum 1
