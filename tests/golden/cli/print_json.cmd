symdiff print "x^2*sin(y)" --format json
