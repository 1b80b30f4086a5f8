symdiff eval "x/4" --at x=1 --format unicode
