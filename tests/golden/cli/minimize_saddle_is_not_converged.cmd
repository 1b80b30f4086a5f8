symdiff minimize "x^2 - y^2" --from x=1,y=0
