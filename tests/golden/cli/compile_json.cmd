symdiff compile "sin(x)*y + sigmoid(x - y)" --at x=1,y=2 --wrt y,x --format json
