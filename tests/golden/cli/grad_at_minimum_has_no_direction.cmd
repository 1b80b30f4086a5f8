symdiff grad "x^2+y^2" --at x=0,y=0
