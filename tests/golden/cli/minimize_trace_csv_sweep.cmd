t=$(mktemp) && symdiff minimize "x^2" --from x=4 --lr 0.01,0.1 --steps 2 --trace "$t" >/dev/null && cat "$t"; rm -f "$t"
