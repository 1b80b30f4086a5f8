symdiff compile "x^2" -O2 --at x=3
