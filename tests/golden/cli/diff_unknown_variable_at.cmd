symdiff diff "x^2*y" --wrt x --at x=1
