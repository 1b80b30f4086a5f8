symdiff diff "x^3 - 3x" --at x=-3..3:13
