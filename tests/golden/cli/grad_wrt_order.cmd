symdiff grad "(w*x+b-y)^2" --wrt w,b
