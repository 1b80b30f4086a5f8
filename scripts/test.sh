#!/usr/bin/env bash
# Installs the packages, then builds and runs the whole test suite twice: a Release build
# (out/release, benchmarks built too) and an AddressSanitizer + UndefinedBehaviorSanitizer
# build (out/asan) in which any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# Paths relative to the checkout in ccache's keys: every clone (CI's included) shares the cache.
export CCACHE_BASEDIR="$PWD"

build_and_test() {
  local dir=$1
  shift
  echo "=== $dir"
  cmake -S . -B "$dir" -G Ninja "$@"
  cmake --build "$dir"
  ctest --test-dir "$dir" --output-on-failure -j2
}

# Explicit options: demo.sh configures out/release with tests off, and the cache would keep that.
build_and_test out/release -DCMAKE_BUILD_TYPE=Release -DSYMDIFF_BUILD_TESTS=ON -DSYMDIFF_BUILD_BENCH=ON

# The sanitizer flags use -fno-sanitize-recover=all (CMakeLists.txt): a report ends the process.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
build_and_test out/asan -DCMAKE_BUILD_TYPE=Release -DSYMDIFF_SANITIZE=address,undefined -DSYMDIFF_BUILD_TESTS=ON -DSYMDIFF_BUILD_BENCH=OFF
