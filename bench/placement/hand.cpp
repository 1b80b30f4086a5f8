// The hand-written baseline of bench_jit, with C linkage for the placement experiment.
#include "jit_baseline_rosenbrock.hpp"

extern "C" void hand_grad(const double* in, double* out) { symdiff::baseline::detail::rosenbrock_grad_body(in, out); }
