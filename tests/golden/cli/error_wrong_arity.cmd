symdiff print "atan2(x)"
