symdiff print "2*foo(x)"
