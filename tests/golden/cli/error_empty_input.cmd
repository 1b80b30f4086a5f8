symdiff print ""
