symdiff print "x**2·y + 3xy"
