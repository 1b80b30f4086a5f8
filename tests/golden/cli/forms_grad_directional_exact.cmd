symdiff grad "x^2+y^2" --at x=1,y=2 --dir 1,1
