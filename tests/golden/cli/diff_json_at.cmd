symdiff diff "x^3" --at x=2 --format json
