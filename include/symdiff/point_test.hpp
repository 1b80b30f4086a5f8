/// \file The second-derivative test at a point: what `symdiff hessian --at` and the REPL's
/// `hessian(f) at (…)` print, over the curvature code of optimize.hpp.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "symdiff/optimize.hpp"

namespace symdiff {

/// The test from the values at the point of the Hessian (n×n, row-major) and of the gradient
/// (n values): the eigenvalues and kind (classify_curvature of symmetric_eigenvalues), the
/// gradient norm, and the point in words (describe_point). Both callers print it as
/// "eigenvalues: …" and "point: …".
struct PointTest {
    Curvature curvature;
    double grad_norm = 0;
    std::string description;
};
PointTest second_derivative_test(std::span<const double> hessian, std::size_t n, std::span<const double> gradient);

} // namespace symdiff
