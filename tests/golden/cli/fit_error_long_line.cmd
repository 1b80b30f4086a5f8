(printf 'x,y\n1,2\n'; head -c 3000000 /dev/zero | tr '\0' 7; printf ',1\n3,4\n') | symdiff fit "mean((m*x + b - y)^2)" --data /dev/stdin
