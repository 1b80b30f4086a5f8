symdiff eval "x + y" --at "y=atan2(1, 1), x=1"
