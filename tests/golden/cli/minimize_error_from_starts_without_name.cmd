symdiff minimize "x^2 + y^2" --from 1,x=2,y=3
