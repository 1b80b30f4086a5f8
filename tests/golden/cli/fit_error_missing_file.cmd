symdiff fit "mean((m*x + b - y)^2)" --data no_such_file.csv
