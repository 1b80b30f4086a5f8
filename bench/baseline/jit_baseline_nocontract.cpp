// Rosenbrock f+∇f compiled with -ffp-contract=off (bench/CMakeLists.txt): the like-for-like
// baseline of symdiff's default kernels, which round every operation as the Interpreter does.
#include "jit_baseline.hpp"
#include "jit_baseline_rosenbrock.hpp"

namespace symdiff::baseline {

void rosenbrock_grad_nocontract(const double* in, double* out) { detail::rosenbrock_grad_body(in, out); }

} // namespace symdiff::baseline
