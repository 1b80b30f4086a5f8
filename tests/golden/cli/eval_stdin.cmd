echo "x^2 + 1" | symdiff eval - --at x=2
