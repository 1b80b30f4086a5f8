symdiff grad "(1-x)^2 + 100(y-x^2)^2" --at x=-1..1:3,y=0..1:2 --grid --format csv
