symdiff check "sin(x)*y" --at x=1,y=2 --format json
