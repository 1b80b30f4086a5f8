symdiff eval "3xy" --at x=1,y=2
