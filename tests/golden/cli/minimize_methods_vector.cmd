symdiff minimize "sum(i = 1..n, (x[i] - i)^2)" --from "x=[0]*4" --method gd,lbfgs --lr 0.1 --steps 200 --tol 1e-9
