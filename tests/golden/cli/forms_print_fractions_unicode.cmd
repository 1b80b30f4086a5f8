symdiff print "3/2 + x/2 + x^(3/2)" --format unicode
