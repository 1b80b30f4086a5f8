symdiff fit "mean((m*x + b - y)^2)"
