#!/usr/bin/env bash
# Installs the packages, then builds and runs the whole test suite twice: a Release build
# (out/release, benchmarks built too) and an AddressSanitizer + UndefinedBehaviorSanitizer
# build (out/asan) in which any sanitizer report fails the run; then, time permitting, a short
# run of the fuzz targets (out/fuzz).
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
# The Python module and its pytest tests too (SYMDIFF_PYTHON, python/CMakeLists.txt).
build_and_test out/release -DCMAKE_BUILD_TYPE=Release -DSYMDIFF_BUILD_TESTS=ON -DSYMDIFF_BUILD_BENCH=ON -DSYMDIFF_PYTHON=ON

# The sanitizer flags use -fno-sanitize-recover=all (CMakeLists.txt): a report ends the process.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
build_and_test out/asan -DCMAKE_BUILD_TYPE=Release -DSYMDIFF_SANITIZE=address,undefined -DSYMDIFF_BUILD_TESTS=ON -DSYMDIFF_BUILD_BENCH=OFF -DSYMDIFF_PYTHON=OFF

# A short fuzz run (scripts/fuzz.sh, SYMDIFF_FUZZ_SECONDS per target on the committed seed
# corpus; 0 skips it), bounded so that the whole run stays well under CI's 30 minutes: it is
# stopped 25 minutes after the start of this script and then reported, not failed. With a
# warm ccache the fuzz build took 76 s in a new directory; a cold one compiles the library a
# third time, with clang (14 to 22 minutes on a busy 2-core machine). A crash fails the run.
fuzz_seconds=${SYMDIFF_FUZZ_SECONDS:-15}
budget=$((25 * 60 - SECONDS))
if ((fuzz_seconds > 0 && budget > 60)); then
  rc=0
  timeout "$budget" bash scripts/fuzz.sh "$fuzz_seconds" || rc=$?
  if ((rc == 124)); then
    echo "fuzz: stopped at the time budget, 25 minutes into the run (not a failure)"
  elif ((rc != 0)); then
    exit "$rc"
  fi
elif ((fuzz_seconds > 0)); then
  echo "fuzz: skipped, the run is already $((SECONDS / 60)) minutes in"
fi
