symdiff minimize "x^2" --from x=1 --method gd,adm
