/// \file Native code for expressions: LLVM ORC JIT kernels for f, fused f+∇f and the Hessian,
/// and the emitters behind `symdiff compile --emit llvm|asm|c`.
///
/// A kernel is a function `void k(const double* in, double* out)` that reads the inputs in the
/// order given at compilation and writes every output. It computes each distinct node of the
/// DAG once, so a fused kernel over [f, ∂f/∂x1, ...] shares every subexpression between the
/// value and the gradient.
///
/// Numerics: without fast-math (and unless it is rerolled, see JitOptions::reroll_min_terms)
/// a kernel performs exactly the operations of the reference
/// Interpreter (eval.hpp, lib/eval/semantics.hpp) in the same order: the same sums and
/// products left to right, integer powers by the same square-and-multiply, x^(1/2) as sqrt,
/// and the same libm functions, called so that LLVM neither folds nor replaces them. Results
/// therefore agree bit for bit with the Interpreter (a nan may differ in its sign bit).
/// With fast_math the optimiser may reassociate and approximate; with fp_contract it may only
/// fuse a multiply and an add into one fma. Results then differ from the Interpreter by rounding.
///
/// Nothing here includes LLVM; errors from LLVM come back as symdiff::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "symdiff/eval.hpp"
#include "symdiff/expr.hpp"

namespace symdiff {

/// How a kernel is compiled.
struct JitOptions {
    /// 0..3, as -O0..-O3: the LLVM pass pipeline and the code generator's level.
    int opt_level = 2;
    /// Lets LLVM reassociate, contract to fma and use approximate functions (like -ffast-math).
    bool fast_math = false;
    /// Lets LLVM fuse a multiplication and an addition or subtraction that uses it into one
    /// fma (like -ffp-contract=fast, GCC's default under -march=native), where the CPU has
    /// one, and nothing else: no reassociation, the same libm calls. An fma rounds once where
    /// the Interpreter rounds the product and then the sum, so results differ from it by
    /// rounding (within a few ulps of the terms' magnitude, but a cancelling a*b - c*d can go
    /// from exactly 0 to the rounding error of c*d). Off by default: kernels stay bit for bit.
    /// Implied by fast_math.
    bool fp_contract = false;
    /// Kernels with more DAG nodes than this skip LLVM's IR pipeline (all but EarlyCSE): the
    /// DAG is already free of common subexpressions, and the full -O2 pipeline is superlinear
    /// on long straight-line code (bench/README.md "## JIT"). Long kernels are also split into
    /// parts of about a thousand instructions for the code generator, at every size. 0 = never.
    std::size_t large_kernel_nodes = 2000;
    /// Loop rerolling (reroll.hpp) for compile_gradient() and compile() of one scalar output:
    /// when f is a sum with a group of at least this many terms of one shape over variables at a
    /// constant stride (the flat extended Rosenbrock, n - 1 terms of each of two shapes), the
    /// kernel is f rerolled into sums over a vector, with vector_gradient() for ∇f, compiled by
    /// the loop code generator (as compile_loops) behind the usual `void k(in, out)` with the
    /// usual layout. Its size and compile time then no longer grow with n (bench/README.md
    /// "## JIT"). Such a kernel adds the terms of a rolled sum in the reductions' order
    /// (docs/reductions.md: four interleaved partial sums), not the flat sum's canonical order,
    /// so it differs from the Interpreter of the flat f by rounding (a few ulps of the largest
    /// terms), and it has no native batch function. 0 = never reroll.
    std::size_t reroll_min_terms = 32;
};

/// One kernel to emit: a function named `name` computing `outputs` (see emit_*).
struct KernelSpec {
    std::string name;
    std::vector<Expr> outputs;
};

/// A compiled kernel. It owns its machine code and frees it when destroyed. Movable, not
/// copyable. Calling is thread-safe: any number of threads may call one CompiledFunction at
/// once (each with its own `out`). `in` and `out` must not overlap.
class CompiledFunction {
public:
    /// An empty function; calling it is undefined. Test with explicit operator bool.
    CompiledFunction() noexcept;
    ~CompiledFunction();
    CompiledFunction(CompiledFunction&& other) noexcept;
    CompiledFunction& operator=(CompiledFunction&& other) noexcept;
    CompiledFunction(const CompiledFunction&) = delete;
    CompiledFunction& operator=(const CompiledFunction&) = delete;

    explicit operator bool() const noexcept { return point_ != nullptr; }

    /// Reads inputs() doubles from `in`, writes outputs() doubles to `out`.
    void operator()(const double* in, double* out) const { point_(in, out); }
    /// Batch form: `rows` points stored row after row (inputs() doubles each) to `rows`
    /// results stored row after row (outputs() doubles each). At -O3 this is one native loop
    /// with the kernel inlined (vectorisable); below, a loop calling the kernel per row.
    void operator()(const double* in, std::size_t rows, double* out) const {
        if (batch_) return batch_(in, static_cast<std::uint64_t>(rows), out);
        for (std::size_t r = 0; r < rows; ++r) point_(in + r * n_in_, out + r * n_out_);
    }

    std::size_t inputs() const noexcept { return n_in_; }
    std::size_t outputs() const noexcept { return n_out_; }
    /// True when the kernel was rerolled (JitOptions::reroll_min_terms): it then differs from
    /// the Interpreter by rounding and has no batch function.
    bool rerolled() const noexcept { return rerolled_; }

    /// The raw entry points, for callers that keep a plain function pointer. Valid while this
    /// object (or the one it is moved into) lives. batch_function() is null below -O3 and for
    /// a rerolled kernel.
    using PointFn = void (*)(const double*, double*);
    using BatchFn = void (*)(const double*, std::uint64_t, double*);
    PointFn point_function() const noexcept { return point_; }
    BatchFn batch_function() const noexcept { return batch_; }

    struct Impl;

private:
    friend CompiledFunction compile(std::span<const Expr>, std::span<const Expr>, const JitOptions&);
    friend CompiledFunction compile_gradient(Expr, std::span<const Expr>, const JitOptions&);
    PointFn point_ = nullptr;
    BatchFn batch_ = nullptr;
    std::size_t n_in_ = 0;
    std::size_t n_out_ = 0;
    bool rerolled_ = false;
    std::unique_ptr<Impl> impl_;
};

/// Compiles a kernel with out[i] = outputs[i](in[0], ..., in[n-1]), where in[j] is the value of
/// the symbol inputs[j]. A List output contributes its items in order (so "[e1, e2]" compiles
/// to two outputs). Throws symdiff::Error if an output uses a symbol not among `inputs`
/// ("unknown variable 'z'"), if an input is not a symbol or is repeated, if a List occurs
/// inside arithmetic, if opt_level is outside 0..3, or if LLVM fails.
CompiledFunction compile(std::span<const Expr> outputs, std::span<const Expr> inputs,
                         const JitOptions& options = {});

/// The fused value-and-gradient kernel of f: out = [f, ∂f/∂vars[0], ..., ∂f/∂vars[n-1]],
/// the layout the optimisers take (optimize.hpp). The gradient comes from symdiff::gradient
/// (reverse mode), so the kernel costs a small constant times f.
CompiledFunction compile_gradient(Expr f, std::span<const Expr> vars, const JitOptions& options = {});

/// The Hessian kernel of f: out[i*n + j] = ∂²f/∂vars[i]∂vars[j], n×n row-major, the layout
/// of minimize_newton.
CompiledFunction compile_hessian(Expr f, std::span<const Expr> vars, const JitOptions& options = {});

/// The outputs of compile_gradient: [f, ∂f/∂vars[0], ...].
std::vector<Expr> value_and_gradient(Expr f, std::span<const Expr> vars);

/// A compiled kernel over vectors and data rows: loops for the reductions of its outputs
/// (docs/reductions.md). The same inputs, outputs, errors and numbers as a LoopInterpreter of
/// the same outputs and signature, bit for bit without fast_math and fp_contract. Owns its machine code;
/// movable; callable from several threads at once.
class LoopKernel {
public:
    LoopKernel() noexcept;
    struct Impl;
    /// From a plan compiled inside the library (batch.hpp maps outputs over rows this way).
    explicit LoopKernel(std::unique_ptr<Impl> impl) noexcept;
    ~LoopKernel();
    LoopKernel(LoopKernel&&) noexcept;
    LoopKernel& operator=(LoopKernel&&) noexcept;
    explicit operator bool() const noexcept { return impl_ != nullptr; }

    std::size_t scalar_outputs() const;
    std::size_t vector_outputs() const;
    std::vector<std::size_t> vector_lengths(const LoopArgs& args) const;
    /// Throws symdiff::Error exactly where LoopInterpreter::run does.
    void operator()(const LoopArgs& args) const;

private:
    std::unique_ptr<Impl> impl_;
};

/// Compiles outputs over a signature into native loops. Reductions and vector outputs that
/// can run together (the same phase: none needs another's value) and read a common vector
/// or data column share one loop and its body: the value and the gradient of a loss take one
/// pass over the data. Loop-invariant values are computed once before the loops; the checks
/// (integer bounds, index ranges, column lengths) run once per loop before it; the loop body
/// runs four elements at a time in vector registers wherever no guard or range changes, and
/// one at a time only at the ends (lib/codegen/loop_codegen.cpp). Compile time does not depend
/// on vector lengths or row counts. Throws like the LoopInterpreter's constructor, if
/// opt_level is outside 0..3, and if LLVM fails.
LoopKernel compile_loops(std::span<const Expr> outputs, const Signature& signature,
                         const JitOptions& options = {});

/// The optimised LLVM IR (text) of the loop kernel compile_loops builds for the same
/// arguments: `i64 name(ptr scalars, ptr vectors, ptr lengths, ptr out, ptr vector_out,
/// ptr err)`, returning 0 or the number of the failed check. Same errors as compile_loops.
std::string emit_loops_llvm_ir(std::span<const Expr> outputs, const Signature& signature,
                               const JitOptions& options = {}, const std::string& name = "loops");
/// The host assembly of the same function.
std::string emit_loops_asm(std::span<const Expr> outputs, const Signature& signature,
                           const JitOptions& options = {}, const std::string& name = "loops");

/// The optimised LLVM IR (text) of a module holding one kernel `void name(const double* in,
/// double* out)` per spec, and at -O3 its batch form `void name_batch(const double* in,
/// uint64_t rows, double* out)`. Same errors as compile().
std::string emit_llvm_ir(std::span<const KernelSpec> kernels, std::span<const Expr> inputs,
                         const JitOptions& options = {});
/// The host assembly of the same module, as the JIT would run it.
std::string emit_asm(std::span<const KernelSpec> kernels, std::span<const Expr> inputs,
                     const JitOptions& options = {});
/// Portable C99 of the same kernels (no batch forms): one `void name(const double* restrict
/// in, double* restrict out)` per spec, needing only <math.h>, with one `const double` per
/// shared node in the same order of operations as the JIT. By default its pragmas forbid
/// GCC and Clang to contract to fma (GCC would, across statements, under -march=native), so
/// that compiled without -ffast-math it gives the JIT's numbers whatever the target. With
/// options.fp_contract (or fast_math) they allow it instead: the numbers then differ from the
/// Interpreter by rounding, as the JIT's do, though not necessarily in the same bits (each
/// compiler picks which products to fuse). Only those two options matter here.
std::string emit_c(std::span<const KernelSpec> kernels, std::span<const Expr> inputs,
                   const JitOptions& options = {});

} // namespace symdiff
