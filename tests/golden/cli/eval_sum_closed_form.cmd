symdiff eval "sum(i = 1..10^15, i) + sum(k = -10^12..10^12, 3*k^2 - 1/2)"
