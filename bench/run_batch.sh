#!/bin/sh
# The batch benchmark in one run (bench/README.md "## Batch evaluation"): bench_batch (the
# BatchKernel against hand-written -O3 -march=native loops) and the same work in NumPy.
#   sh bench/run_batch.sh [build dir, default out/release]
set -e
build=${1:-out/release}
here=$(dirname "$0")
"$build/bench/bench_batch" --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
/usr/bin/python3 "$here/batch_numpy.py"
