symdiff fit "mean((m*x + b - y)^2)" --data /dev/null
