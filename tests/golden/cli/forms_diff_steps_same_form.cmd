symdiff diff "(2x+1)/(x-1)" --steps
