symdiff print "xy + 1"
