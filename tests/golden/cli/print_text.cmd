symdiff print "2 - 3*x + x^2 + y/x"
