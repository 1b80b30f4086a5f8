symdiff diff "(1-x)^2+100*(y-x^2)^2" --wrt y
