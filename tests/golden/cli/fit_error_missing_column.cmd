printf "x,z\n1,2\n3,4\n" | symdiff fit "mean((m*x + b - y)^2)" --data /dev/stdin --params m,b
