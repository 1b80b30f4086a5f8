symdiff grad "sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)" --at x=-1.2,1,0.5
