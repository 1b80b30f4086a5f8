symdiff minimize "x^2+y^2" --from x=4,y=3 --lr 0.2 --steps 50 --tol 1e-8 --format json
