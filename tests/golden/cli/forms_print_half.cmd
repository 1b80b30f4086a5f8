symdiff print "x/2"
