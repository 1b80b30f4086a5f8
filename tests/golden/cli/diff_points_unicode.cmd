symdiff diff "x^3 - 3x" --at x=-1..1:3 --format unicode
