symdiff eval "2^3" --at x=1,y=2
