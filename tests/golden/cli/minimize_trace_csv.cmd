t=$(mktemp) && symdiff minimize "x^2+3*y^2" --from x=3,y=2 --lr 0.05 --steps 50 --trace "$t" --trace-every 10 >/dev/null && cat "$t"; rm -f "$t"
