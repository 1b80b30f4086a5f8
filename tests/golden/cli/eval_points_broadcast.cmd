symdiff eval "a*x^2 + 1/x" --at 'x=[1,2,4],a=2'
