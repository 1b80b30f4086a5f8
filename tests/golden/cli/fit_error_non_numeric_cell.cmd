printf "x,y\n1,2\n3,abc\n" | symdiff fit "mean((m*x + b - y)^2)" --data /dev/stdin
