symdiff hessian "(1-x)^2+100*(y-x^2)^2" --at x=1,y=1
