symdiff eval "x/3 + sqrt(y)" --at x=1,y=8
