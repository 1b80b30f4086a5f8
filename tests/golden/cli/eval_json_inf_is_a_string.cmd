symdiff eval "1/x" --at x=0 --format json
