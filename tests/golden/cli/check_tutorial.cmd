symdiff check "x^3+2*x*y+y^2" --at x=2,y=3
