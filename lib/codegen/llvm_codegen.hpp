// Internal to lib/codegen and lib/jit: tapes to an LLVM module, the optimisation pipeline,
// and machine code for the host. Includes LLVM, so never include it from anywhere else.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/Target/TargetMachine.h>

#include "codegen/tape.hpp"
#include "symdiff/jit.hpp"

namespace symdiff::detail {

/// Initialises LLVM's native target, asm printer and parser, once per process.
void initialize_llvm();

/// A target machine for the host CPU (its features included) at codegen level 0..3.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> host_target_machine(int opt_level);

/// Adds `void name(ptr in, ptr out)` for the tape to `m`, and at -O3 also
/// `void name_batch(ptr in, i64 rows, ptr out)`, and verifies them.
llvm::Error add_kernel(llvm::Module& m, const Tape& tape, const std::string& name, const JitOptions& options);

/// Where the entry of a rerolled kernel (reroll.hpp) finds its loop kernel's arguments.
struct RolledLayout {
    std::size_t inputs = 0;           ///< n: the entry reads in[0..n)
    /// Per vector r of the loop kernel (S = lengths.size() of them), its length: element k
    /// (1-based) of vector r is in[r + S*(k - 1)].
    std::vector<std::size_t> lengths;
    /// out = [f] or, with the gradient, [f, ∂f/∂in[0], ...], the loop kernel's vector output
    /// r holding the gradient entries of vector r.
    bool gradient = false;
};

/// Adds `void name(ptr in, ptr out)`, the point kernel of a rerolled function: it lays out the
/// arguments of the loop kernel `loops` (loop_codegen.hpp) on its stack (with a stride S > 1,
/// it copies the inputs apart into one array per vector, and the gradient back together),
/// calls it, and writes nan to every output if one of its checks fails (with constant sizes
/// they cannot; the JIT runs them once at compile time to be sure).
llvm::Error add_rolled_entry(llvm::Module& m, const std::string& loops, const std::string& name,
                             const RolledLayout& layout);

/// The pipeline of a module made by add_loop_kernel and add_rolled_entry: the loop kernel is
/// inlined into the entry, where its vector lengths are constants, so that its checks and
/// segment bounds fold away; then optimize_loop_module.
void optimize_rolled_module(llvm::Module& m, llvm::TargetMachine& tm, const JitOptions& options);

/// Runs the IR pipeline chosen for the module's size and options.opt_level (see JitOptions).
void optimize_module(llvm::Module& m, llvm::TargetMachine& tm, const JitOptions& options, std::size_t dag_nodes);

/// The pipeline of loop kernels (loop_codegen.hpp): at -O1 and above a short fixed list of
/// passes rather than the default pipeline, whose vectoriser and unrollers would only rework
/// loops that are already in their final shape.
void optimize_loop_module(llvm::Module& m, llvm::TargetMachine& tm, const JitOptions& options);

/// Machine code (object file or assembly text) of the module for `tm`.
llvm::Expected<llvm::SmallVector<char, 0>> emit_machine_code(llvm::Module& m, llvm::TargetMachine& tm, bool assembly);

/// The codegen level used for a kernel of this size (large kernels get a cheaper one).
int codegen_level(const JitOptions& options, std::size_t dag_nodes);

/// A module for the host with data layout and triple set.
std::unique_ptr<llvm::Module> make_module(llvm::LLVMContext& ctx, llvm::TargetMachine& tm, const std::string& name);

/// The fast-math flags of every floating-point instruction a kernel's options allow: all of
/// them with fast_math, only `contract` with fp_contract, none by default.
llvm::FastMathFlags fp_flags(const JitOptions& options);

/// A call of the libm function `fn` as kernels make it: pure, and nobuiltin without fast-math
/// so that LLVM neither folds nor replaces it.
llvm::Value* call_libm(llvm::IRBuilderBase& b, llvm::Module& m, Libm fn, llvm::ArrayRef<llvm::Value*> args,
                       bool fast_math);

/// Throws symdiff::Error carrying the message of `err` (consumes it).
[[noreturn]] void throw_llvm_error(llvm::Error err, const char* what);

} // namespace symdiff::detail
