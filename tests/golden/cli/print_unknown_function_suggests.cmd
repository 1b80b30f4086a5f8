symdiff print "sigmod(x) + 1"
