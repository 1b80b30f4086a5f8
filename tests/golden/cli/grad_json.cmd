symdiff grad "x^2*y" --at x=1,y=2 --format json
