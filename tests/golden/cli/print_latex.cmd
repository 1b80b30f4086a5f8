symdiff print "2 - 3*x + x^2 + sqrt(y)/x" --format latex
