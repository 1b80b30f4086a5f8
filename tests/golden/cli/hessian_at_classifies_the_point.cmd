symdiff hessian "x^2 - y^2" --at x=0,y=0 && symdiff hessian "x^2 - y^2" --at x=1,y=0 && symdiff hessian "x^2 + y^4" --at x=0,y=0
