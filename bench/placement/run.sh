#!/usr/bin/env bash
# Is symdiff's Rosenbrock f+∇f kernel slower than GCC's, or only placed elsewhere?
# Links the kernel symdiff emits (`symdiff compile --emit asm`) into one static program beside
# the hand-written one (bench/baseline/jit_baseline_rosenbrock.hpp, -O3 -march=native
# -ffp-contract=off) and times, in one loop and in alternating blocks: the hand-written kernel,
# symdiff's kernel where the linker put it, and the same bytes copied to fresh pages at
# several addresses. bench/README.md "## JIT", "(a) in pairs" has what it showed.
# Usage: bash bench/placement/run.sh [path/to/symdiff]   (default out/release/tools/symdiff/symdiff)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
symdiff=${1:-$root/out/release/tools/symdiff/symdiff}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$symdiff" compile "(1-x)^2 + 100*(y-x^2)^2" --emit asm > "$work/kernel.s"
# Keep f+∇f only, rename it, and move its constants into .text on the page before the code,
# as ORC lays them out, so that the code and its constants can be copied as one block.
awk '
    /^\t\.section\t\.rodata\.cst8/ { section = 1 }
    /^\.LCPI1_0:/ { keep = 1; print "\t.text\n\t.p2align 12\n\t.globl kernel_begin\nkernel_begin:" }
    keep && /^\t\.globl\tf_grad/ { print "\t.p2align 12, 0x90" }
    keep && /^\t\.section\t"\.note/ { print "\t.globl kernel_end\nkernel_end:"; print; exit }
    keep && !/^\t\.text$/ { gsub(/f_grad/, "symdiff_grad"); print }
' "$work/kernel.s" > "$work/kernel_blob.s"
grep -q symdiff_grad: "$work/kernel_blob.s" || { echo "run.sh: unexpected --emit asm layout" >&2; exit 1; }

c++ -O3 -march=native -ffp-contract=off -I "$root/bench/baseline" -c "$here/hand.cpp" -o "$work/hand.o"
as "$work/kernel_blob.s" -o "$work/kernel.o"
c++ -O2 -std=c++20 "$here/main.cpp" "$work/hand.o" "$work/kernel.o" -o "$work/placement"
"$work/placement"
