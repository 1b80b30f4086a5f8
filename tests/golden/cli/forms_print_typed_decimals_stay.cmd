symdiff print "0.5*x + 1.5*y^2 + z^0.5"
