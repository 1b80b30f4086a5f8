symdiff hessian "x^3 - 3*x + y^2" --at x=-1,y=0 --format json
