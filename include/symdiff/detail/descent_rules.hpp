/// \file The first-order update rules, each written once.
///
/// A rule is a template over the value type T. The C++ loop (first_order.hpp) instantiates it
/// with double; the generated loop (lib/codegen/descent_codegen.cpp) instantiates it with a
/// value whose operators emit LLVM IR. Both therefore perform the same operations on the same
/// operands, which is what lets Objective switch between them and report the same run to the
/// last bit. Write a rule's arithmetic with +, -, *, / and sqrt() only, in the order it must
/// round in.
///
/// A rule has
///  - `arrays`: per-coordinate state arrays (v, or Adam's m and v), zero at the start;
///  - `scalars`: state carried from step to step (Adam's β1^t and β2^t), set by start();
///  - begin(scalars, c): the per-step work done once before the coordinates (it advances the
///    scalars and returns what the coordinates read);
///  - update(x, g, s, eta, c, step): the new x[i] from x[i] and ∇f[i], updating s[0..arrays),
///    the state of coordinate i (s[a] reads and assigns array a's element i).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

namespace symdiff::detail {

/// What the rules read from Options, as the value type, with the constant 1.
template <class T>
struct RuleConstants {
    T one;
    T beta;           ///< momentum and Nesterov
    T beta1, beta2;   ///< Adam
    T epsilon;        ///< Adam and RMSProp
    T rho;            ///< RMSProp
};

/// The square root of the value type: std::sqrt for double, found by argument-dependent
/// lookup for the IR value.
template <class T>
T rule_sqrt(T v) {
    using std::sqrt;
    return sqrt(v);
}

namespace rules {

struct NoStep {};

/// The parts of a rule without carried scalars or per-step work.
struct NoScalars {
    static constexpr std::size_t scalars = 0;
    template <class T> static void start(T*, const RuleConstants<T>&) {}
    template <class T> static NoStep begin(T*, const RuleConstants<T>&) { return {}; }
};

/// θ -= η∇f
struct Gd : NoScalars {
    static constexpr std::size_t arrays = 0;
    template <class T, class S>
    static T update(T x, T g, S&&, T eta, const RuleConstants<T>&, NoStep) {
        return x - eta * g;
    }
};

/// v = βv + ∇f; θ -= ηv
struct MomentumAccumulate : NoScalars {
    static constexpr std::size_t arrays = 1;
    template <class T, class S>
    static T update(T x, T g, S&& s, T eta, const RuleConstants<T>& c, NoStep) {
        s[0] = c.beta * s[0] + g;
        return x - eta * s[0];
    }
};

/// v = βv - η∇f; θ += v
struct MomentumVelocity : NoScalars {
    static constexpr std::size_t arrays = 1;
    template <class T, class S>
    static T update(T x, T g, S&& s, T eta, const RuleConstants<T>& c, NoStep) {
        s[0] = c.beta * s[0] - eta * g;
        return x + s[0];
    }
};

/// v = βv + ∇f; θ -= η(∇f + βv)
struct Nesterov : NoScalars {
    static constexpr std::size_t arrays = 1;
    template <class T, class S>
    static T update(T x, T g, S&& s, T eta, const RuleConstants<T>& c, NoStep) {
        s[0] = c.beta * s[0] + g;
        return x - eta * (g + c.beta * s[0]);
    }
};

/// Kingma & Ba with bias correction; β1^t and β2^t are running products.
struct Adam {
    static constexpr std::size_t arrays = 2, scalars = 2;
    template <class T>
    static void start(T* b, const RuleConstants<T>& c) {
        b[0] = c.one;
        b[1] = c.one;
    }
    /// The bias corrections 1/(1 - β1^t) and 1/(1 - β2^t) of this step.
    template <class T>
    static std::array<T, 2> begin(T* b, const RuleConstants<T>& c) {
        b[0] = b[0] * c.beta1;
        b[1] = b[1] * c.beta2;
        return {c.one / (c.one - b[0]), c.one / (c.one - b[1])};
    }
    template <class T, class S>
    static T update(T x, T g, S&& s, T eta, const RuleConstants<T>& c, const std::array<T, 2>& corr) {
        s[0] = c.beta1 * s[0] + (c.one - c.beta1) * g;
        s[1] = c.beta2 * s[1] + (c.one - c.beta2) * (g * g);
        return x - eta * (s[0] * corr[0]) / (rule_sqrt(s[1] * corr[1]) + c.epsilon);
    }
};

/// s = ρs + (1-ρ)∇f²; θ -= η∇f/(√s + ε)
struct RmsProp : NoScalars {
    static constexpr std::size_t arrays = 1;
    template <class T, class S>
    static T update(T x, T g, S&& s, T eta, const RuleConstants<T>& c, NoStep) {
        s[0] = c.rho * s[0] + (c.one - c.rho) * (g * g);
        return x - eta * g / (rule_sqrt(s[0]) + c.epsilon);
    }
};

} // namespace rules

/// ‖g‖² with four partial sums (a single running sum is a chain of dependent adds, which is
/// what would make the check cost more than the update on large n); `g(i)` reads ∇f[i].
template <class T, class Read>
T sum_of_squares(std::size_t n, T zero, Read g) {
    T part[4] = {zero, zero, zero, zero};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t j = 0; j < 4; ++j) {
            const T v = g(i + j);
            part[j] = part[j] + v * v;
        }
    for (; i < n; ++i) {
        const T v = g(i);
        part[0] = part[0] + v * v;
    }
    return (part[0] + part[1]) + (part[2] + part[3]);
}

} // namespace symdiff::detail
