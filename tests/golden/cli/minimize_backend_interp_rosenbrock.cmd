symdiff minimize "(1-x)^2+100*(y-x^2)^2" --from x=-1,y=1 --method adam --lr 0.01 --beta1 0.9 --beta2 0.999 --steps 5000 --tol 1e-6 --backend interp
