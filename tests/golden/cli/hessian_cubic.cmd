symdiff hessian "x^3+2*x*y+y^2"
