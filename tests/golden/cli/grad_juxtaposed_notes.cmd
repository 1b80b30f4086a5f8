symdiff grad "ye^(xy)"; symdiff grad "3xy" --vars xy; symdiff print "sinx + 1"
