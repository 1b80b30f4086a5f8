symdiff print "xy + 1" --vars x,y
