symdiff diff "x*y" --wrt x,y --order 2
