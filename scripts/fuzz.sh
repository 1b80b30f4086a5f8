#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (SYMDIFF_BUILD_FUZZ=ON: clang 19 with
# AddressSanitizer and UndefinedBehaviorSanitizer, minus UBSan's `function` check, which reads
# the bytes before every function called through a pointer and so before each JIT kernel) in
# out/fuzz, then runs each target for SECONDS seconds (default 60), one after the other, on its
# committed seed corpus tests/fuzz/corpus/<target>/. What a run adds to the corpus goes to
# out/fuzz/corpus/<target>/ (kept between runs; the committed seeds are only read).
#
# A crash, a sanitizer report, a failed check (tests/fuzz/fuzz_common.hpp), an input that runs
# over 10 s or a run over the memory limit fails that target and the script (status 1); the
# input is kept as out/fuzz/artifacts/<target>/crash-*, timeout-*, leak-* or oom-*, and
# out/<target> out/fuzz/artifacts/<target>/<file> replays it. The full log is out/fuzz/<target>.log.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 300 fuzz_csv
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_roundtrip fuzz_jit fuzz_csv fuzz_repl)
fi

bash scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD"
# The line tables (-gline-tables-only) would otherwise put the build directory into ccache's
# keys, and a clone elsewhere (CI's) would compile everything again.
export CCACHE_NOHASHDIR=1
# -O1: most of the speed of -O3 for a fraction of the compile time under the sanitizers, and
# no NDEBUG, so the library's assertions are checked too.
CC=clang-19 CXX=clang++-19 cmake -S . -B out/fuzz -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DSYMDIFF_BUILD_FUZZ=ON -DSYMDIFF_BUILD_TESTS=OFF -DSYMDIFF_BUILD_TOOLS=OFF \
  -DSYMDIFF_BUILD_BENCH=OFF -DSYMDIFF_INSTALL=OFF >/dev/null
cmake --build out/fuzz -j"${JOBS:-2}" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in "${targets[@]}"; do
  corpus=out/fuzz/corpus/$t
  artifacts=out/fuzz/artifacts/$t/
  mkdir -p "$corpus" "$artifacts"
  echo "=== $t: $seconds s"
  # The first directory receives new inputs; the committed seeds are read, never written.
  # -rss_limit_mb counts the sanitizers' shadow memory too.
  rc=0
  out/fuzz/tests/fuzz/"$t" "$corpus" tests/fuzz/corpus/"$t" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$artifacts" \
    >out/fuzz/"$t".log 2>&1 || rc=$?
  # The last status line (executions, edges covered, features, corpus) and the final stats.
  grep -E "^#[0-9]+" out/fuzz/"$t".log | tail -n 1 || true
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" out/fuzz/"$t".log || true
  if ((rc != 0)); then
    grep -E "==ERROR|SUMMARY|fuzz failure|^input:|Test unit written" out/fuzz/"$t".log || true
    echo "$t: FAILED with status $rc (out/fuzz/$t.log, $artifacts)"
    status=1
  fi
done
exit $status
