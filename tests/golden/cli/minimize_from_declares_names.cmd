symdiff minimize "(ab - 1)^2" --from ab=0 --method lbfgs --steps 50
