symdiff grad "x*y" --at x=1,y=2,z=3 --format json
