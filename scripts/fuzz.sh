#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang 19 (AddressSanitizer and
# UndefinedBehaviorSanitizer, without UBSan's `function` check, which reads the bytes before
# every function called through a pointer and so before each JIT kernel) in out/fuzz, then runs
# each target for SECONDS seconds (default 60) on a copy of its seed corpus
# (tests/fuzz/corpus/<target>/), one job at a time. Any crash, sanitizer report or failed check
# stops that target and fails the script; the input is left as out/fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 300 fuzz_csv
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_roundtrip fuzz_jit fuzz_csv fuzz_repl)
fi

# clang-19 and libFuzzer are needed here only (CI does not fuzz), so they are installed here,
# not by install-deps.sh.
if ! command -v clang++-19 >/dev/null || [ ! -e /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo
  $sudo_cmd apt-get install -y --no-install-recommends clang-19 libfuzzer-19-dev
fi

export CCACHE_BASEDIR="$PWD"
cmake -S . -B out/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize=function -g" \
  -DSYMDIFF_SANITIZE=address,undefined \
  -DSYMDIFF_BUILD_FUZZ=ON -DSYMDIFF_BUILD_TESTS=OFF -DSYMDIFF_BUILD_TOOLS=OFF -DSYMDIFF_BUILD_BENCH=OFF \
  -DSYMDIFF_INSTALL=OFF
cmake --build out/fuzz -j"${JOBS:-2}" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in "${targets[@]}"; do
  work=out/fuzz/corpus/$t
  artifacts=out/fuzz/artifacts/$t/
  mkdir -p "$work" "$artifacts"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  echo "=== $t: $seconds s"
  # -timeout: one input over 10 s is a hang; -rss_limit_mb: the sanitizers' shadow included
  if ! out/fuzz/tests/fuzz/"$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
       -print_final_stats=1 -artifact_prefix="$artifacts" 2>&1 | tee out/fuzz/"$t".log | grep -E "^(#[0-9]+ *(DONE|INITED)|stat::|==[0-9]+==ERROR|SUMMARY|fuzz failure)"; then
    :
  fi
  if grep -qE "ERROR: libFuzzer|==[0-9]+==ERROR|SUMMARY: |fuzz failure" out/fuzz/"$t".log; then
    echo "$t: FAILED (see out/fuzz/$t.log and $artifacts)"
    status=1
  fi
done
exit $status
