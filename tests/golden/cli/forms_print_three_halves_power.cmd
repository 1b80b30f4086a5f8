symdiff print "x^(3/2)"
