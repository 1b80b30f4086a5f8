symdiff hessian "x^2-y^2" --format json
