#!/bin/sh
# Measures the LLVM-generated loop against the C++ loop and the hand-written one.
# Usage: bench/baseline/llvm_loop/run.sh BUILD_DIR   (a Release build with libsymdiff.a and
# bench/libsymdiff_bench_baseline.a built)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
src=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
libs="$build/lib/libsymdiff.a $build/bench/libsymdiff_bench_baseline.a -lLLVM-19 -lfmt"
g++ -std=c++20 -O2 -I"$src/include" "$here/dump_kernel_ir.cpp" $libs -o dump
./dump 2d > k2d.ll
./dump ext > kext.ll
python3 "$here/make_loop.py" k2d.ll loop2d 2 > loop2d.ll
python3 "$here/make_loop.py" kext.ll loopext 1000 > loopext.ll
for m in loop2d loopext; do
  opt-19 -O3 "$m.ll" -o "$m.bc"
  llc-19 -O3 -mcpu=native -filetype=obj "$m.bc" -o "$m.o"
done
g++ -std=c++20 -O3 -I"$src/include" -I"$here/.." "$here/time_loops.cpp" loop2d.o loopext.o $libs -o time_loops
./time_loops
