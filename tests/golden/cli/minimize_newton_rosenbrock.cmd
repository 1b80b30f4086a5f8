symdiff minimize "(1-x)^2+100*(y-x^2)^2" --from x=-1.2,y=1 --method newton --tol 1e-10 --steps 30
