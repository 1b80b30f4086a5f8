#!/bin/sh
# Extended Rosenbrock written out flat, sum_{i=1}^{n-1} 100*(x_{i+1} - x_i^2)^2 + (1 - x_i)^2
# over the scalars x1 ... xn: the large straight-line expression the CLI backends are measured
# on (README, `symdiff check`). With `at`, prints the classic start point instead,
# x1=-1.2,x2=1,x3=-1.2,... for --at.
#
#   sh examples/flat_rosenbrock.sh 1000 > /tmp/rosen.txt
#   symdiff check - --at "$(sh examples/flat_rosenbrock.sh 1000 at)" < /tmp/rosen.txt
set -e
n=${1:?usage: flat_rosenbrock.sh N [at]}
if [ "${2:-}" = at ]; then
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "%sx%d=%s", (i > 1 ? "," : ""), i, (i % 2 ? "-1.2" : "1"); print "" }'
else
    awk -v n="$n" 'BEGIN { for (i = 1; i < n; i++) printf "%s100*(x%d - x%d^2)^2 + (1 - x%d)^2", (i > 1 ? " + " : ""), i + 1, i, i; print "" }'
fi
