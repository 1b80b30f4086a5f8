d=$(mktemp -d) && cd "$d" && symdiff minimize "x^2" --from x=3 --lr 0.1 --steps 3 --trace - && symdiff fit "mean((m*x + b - y)^2)" --data /dev/stdin --epochs 2 --trace - <<'DATA' && ls -A
x,y
1,3
2,5
DATA
cd / && rm -rf "$d"
