symdiff diff "3*y" --wrt x --at x=1,y=2
