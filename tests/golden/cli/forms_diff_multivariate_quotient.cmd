symdiff diff "(x*y + 1)/(x - y)" --wrt x
