/// \file A line search that satisfies the strong Wolfe conditions (Nocedal & Wright, Alg. 3.5/3.6).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "symdiff/optimize.hpp"

namespace symdiff::detail {

/// Searches along p from x for α with
///   f(x + αp) <= f(x) + c1·α·∇f(x)·p            (sufficient decrease)
///   |∇f(x + αp)·p| <= c2·|∇f(x)·p|                (strong curvature)
/// `out` receives [f, ∇f] at x + αp and `trial` the point itself, for the α returned.
struct LineSearch {
    KernelRef kernel;
    std::size_t n;
    double c1, c2;
    std::vector<double> trial; ///< x + αp of the last evaluation
    std::vector<double> out;   ///< [f, ∇f] at `trial`
    std::size_t evaluations = 0;

    LineSearch(KernelRef k, std::size_t dims, double c1_, double c2_)
        : kernel(k), n(dims), c1(c1_), c2(c2_), trial(dims), out(dims + 1) {}

    struct Result {
        bool ok;      ///< both conditions hold at alpha
        double alpha; ///< the accepted step; `trial` and `out` hold its point and values
    };

    /// `f0` and `dphi0` = ∇f(x)·p < 0 at x; `alpha0` is the first trial step.
    Result search(std::span<const double> x, std::span<const double> p, double f0, double dphi0, double alpha0);

private:
    double phi(std::span<const double> x, std::span<const double> p, double alpha, double& dphi);
    Result zoom(std::span<const double> x, std::span<const double> p, double f0, double dphi0, double lo,
                double flo, double dlo, double hi, double fhi, double dhi);
};

} // namespace symdiff::detail
