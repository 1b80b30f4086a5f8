symdiff eval "[sin(x), cos(x)]" --at x=0..3
