symdiff grad "x^2+0.5*y^2" --at x=2,y=1
