symdiff minimise "x^2" --from x=1
