symdiff check "sum(i = 1..n, x[i]^3)" --at 'x=[1,2]*50' --format json
