symdiff eval "[x, 2x]" --at x=1.5 --format json
