symdiff eval "y(x+1)^2" --at x=2,y=2; symdiff print "2x(x+1)^2"; symdiff diff "6x(3x+1)^2" --at x=1
