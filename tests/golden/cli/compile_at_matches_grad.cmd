symdiff compile "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1
symdiff grad "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1 | tail -1
