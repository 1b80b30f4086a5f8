symdiff eval "[e + exp(x*(e + e*x)), (e + 2*e*x)*exp(x*(e + e*x))]" --at x=-2 && symdiff eval "(e + 2*e*x)*exp(x*(e + e*x))" --at x=-2
