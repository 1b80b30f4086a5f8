symdiff diff "x^2" --at x=0..2 --steps
