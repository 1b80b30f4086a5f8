#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs the packages, builds symdiff (Release,
# in out/release) and shows it printing and evaluating an expression.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B out/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYMDIFF_BUILD_TESTS=OFF -DSYMDIFF_BUILD_BENCH=OFF
cmake --build out/release --target symdiff_cli

symdiff=out/release/tools/symdiff/symdiff
run() {
  printf '$ symdiff'
  printf ' %q' "$@"
  printf '\n'
  "$symdiff" "$@"
}
run print "x**2·y + 3xy"
run print "(1-x)^2+100*(y-x^2)^2" --format unicode
run print "sin(x)/x^2" --format latex
run eval "(1-x)^2+100*(y-x^2)^2" --at x=-1,y=1
run eval "sin(x)^2 + cos(x)^2" --at x=pi/3
run eval "x^2*y" --at x=3,y=2 --format json
