#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs the packages, builds symdiff and its
# Python module (Release, in out/release) and shows them printing, evaluating and
# differentiating expressions, a table over many points and a picture (out/demo/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# Paths relative to the checkout in ccache's keys, as in test.sh: clones share the cache.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B out/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYMDIFF_BUILD_TESTS=OFF -DSYMDIFF_BUILD_BENCH=OFF \
  -DSYMDIFF_PYTHON=ON
cmake --build out/release --target symdiff_cli _symdiff

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
run diff "x^3 - 3x" --at x=-2..2:5
run grad "(1-x)^2+100*(y-x^2)^2" --at x=-1,y=1
mkdir -p out/demo
run plot "x^3 - 3x" --range x=-3..3 --derivative --tangent -1.5,0,2 -o out/demo/tangents.svg
echo "(the picture is out/demo/tangents.svg)"

# The same library from Python (README "Python").
py='import symdiff, numpy as np
f = symdiff.parse("(1-x)^2+100*(y-x^2)^2")
print(f.grad())
k = symdiff.compile(f)
value, gradient = k(np.array([-1.0, 0.0, 2.0]), 1.0)   # x over three points, y = 1
print(value, gradient[0])'
printf '$ PYTHONPATH=out/release/python /usr/bin/python3 <<EOF\n%s\nEOF\n' "$py"
PYTHONPATH=out/release/python /usr/bin/python3 -c "$py"
