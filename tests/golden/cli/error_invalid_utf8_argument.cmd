symdiff print "$(printf "x + \377")"
