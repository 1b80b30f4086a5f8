symdiff print "$(printf "x\t+ 1")" --format json
