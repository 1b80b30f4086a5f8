// -ffp-contract=off (bench/CMakeLists.txt): the like-for-like baseline of symdiff's default
// kernels, which round every operation as the Interpreter does.
#include "batch_baseline.hpp"

#include "batch_baseline_body.hpp"

namespace symdiff::baseline {

void rosenbrock_batch_nocontract(const double* x, const double* y, std::size_t n, double* f, double* gx, double* gy) {
    detail::rosenbrock_batch_body(x, y, n, f, gx, gy);
}

} // namespace symdiff::baseline
