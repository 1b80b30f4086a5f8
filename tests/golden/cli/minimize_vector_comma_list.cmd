symdiff minimize "sum(i = 1..n, (x[i] - i)^2) + (y - 3)^2" --from x=-1.2,1,0.5,y=2 --method lbfgs --tol 1e-9
