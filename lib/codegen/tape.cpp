// Linearising the expression DAG into the tape that the LLVM and C backends translate.
#include "codegen/tape.hpp"

#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <unordered_map>

#include "eval/semantics.hpp"
#include "eval/stable.hpp"
#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {

namespace {

struct LibmInfo {
    std::string_view name;
    int arity;
};

constexpr LibmInfo kLibm[] = {
    {"exp", 1},  {"log", 1},   {"log1p", 1}, {"expm1", 1}, {"sin", 1},   {"cos", 1},   {"tan", 1},
    {"asin", 1}, {"acos", 1},  {"atan", 1},  {"sinh", 1},  {"cosh", 1},  {"tanh", 1},  {"asinh", 1},
    {"acosh", 1}, {"atanh", 1}, {"cbrt", 1}, {"erf", 1},   {"pow", 2},   {"atan2", 2},
};

class TapeBuilder {
public:
    TapeBuilder(std::span<const Expr> inputs) {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            Expr v = inputs[i];
            if (!v.is_symbol()) throw Error("compile: input " + std::to_string(i + 1) + " is not a variable");
            if (!input_index_.emplace(v.id(), static_cast<std::uint32_t>(i)).second)
                throw Error("compile: variable '" + v.name() + "' is listed twice as an input");
        }
        tape_.inputs = static_cast<std::uint32_t>(inputs.size());
    }

    void output(Expr e) {
        std::uint32_t v = value_of(e);
        push({.op = TapeOp::Store, .a = v, .index = tape_.outputs++});
    }

    Tape finish() {
        tape_.dag_nodes = memo_.size();
        return std::move(tape_);
    }

    // The operation of e alone, on Input(0) and Input(1) standing for its operands.
    Tape lower_op(Expr e) {
        std::uint32_t k[2] = {push({.op = TapeOp::Input, .index = 0}), 0};
        if (e.size() > 1 && visited_children(e) > 1) k[1] = push({.op = TapeOp::Input, .index = 1});
        std::uint32_t r = combine(e, k, 0);
        push({.op = TapeOp::Store, .a = r, .index = 0});
        tape_.outputs = 1;
        return std::move(tape_);
    }

private:
    std::uint32_t push(TapeInst inst) {
        tape_.code.push_back(inst);
        return static_cast<std::uint32_t>(tape_.code.size() - 1);
    }

    // One slot per distinct constant (by bit pattern, so -0.0 and 0.0 stay apart).
    std::uint32_t constant(double v) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        auto [it, fresh] = constants_.emplace(bits, 0);
        if (fresh) it->second = push({.op = TapeOp::Const, .value = v});
        return it->second;
    }
    std::uint32_t bin(TapeOp op, std::uint32_t a, std::uint32_t b) { return push({.op = op, .a = a, .b = b}); }
    std::uint32_t un(TapeOp op, std::uint32_t a) { return push({.op = op, .a = a}); }
    std::uint32_t call(Libm f, std::uint32_t a, std::uint32_t b = 0) {
        return push({.op = TapeOp::Call, .fn = f, .a = a, .b = b});
    }
    std::uint32_t select(std::uint32_t c, std::uint32_t a, std::uint32_t b) {
        return push({.op = TapeOp::Select, .a = a, .b = b, .index = c});
    }

    // x^k, 1 <= k <= 64, in the order of detail::int_power: from the top bit of k down,
    // square, then multiply by x where the bit is set.
    std::uint32_t int_pow(std::uint32_t x, std::uint32_t k) {
        int top = 31;
        while (top > 0 && !(k >> top & 1u)) --top;
        std::uint32_t r = x;
        for (int bit = top - 1; bit >= 0; --bit) {
            r = bin(TapeOp::Mul, r, r);
            if (k >> bit & 1u) r = bin(TapeOp::Mul, r, x);
        }
        return r;
    }

    // A constant exponent that becomes multiplications or sqrt is never materialised, so the
    // depth-first walk visits only the base.
    static std::size_t visited_children(Expr e) {
        if (e.is(Op::Pow) && plan_power(e[1]).kind != PowPlan::General) return 1;
        return e.size();
    }

    std::uint32_t leaf(Expr e) {
        switch (e.op()) {
        case Op::Num: return constant(e.number().value());
        case Op::Pi: return constant(kPi);
        case Op::Sym: {
            auto it = input_index_.find(e.id());
            if (it == input_index_.end()) throw Error("unknown variable '" + e.name() + "'");
            return push({.op = TapeOp::Input, .index = it->second});
        }
        default: break;
        }
        return 0;
    }

    // Emits node e whose visited children already have slots `k` (for Add and Mul the sum or
    // product has already been accumulated into `acc`).
    std::uint32_t combine(Expr e, const std::uint32_t* k, std::uint32_t acc) {
        auto one = [&] { return constant(1.0); };
        auto zero = [&] { return constant(0.0); };
        switch (e.op()) {
        case Op::Num: case Op::Sym: case Op::Pi: return leaf(e);
        case Op::Add: case Op::Mul: return acc;
        case Op::List: throw Error("compile: a list can only be an output, not part of an expression");
        case Op::At: case Op::Len: case Op::Sum: case Op::RowSum: case Op::RowMean: case Op::Guard: case Op::Vec:
        case Op::MaxOver: case Op::RowMax:
            throw Error("compile: sums, indexed vectors and data need compile_loops (jit.hpp)");
        case Op::Pow: {
            PowPlan plan = plan_power(e[1]);
            switch (plan.kind) {
            case PowPlan::Integer: {
                std::uint32_t p = int_pow(k[0], static_cast<std::uint32_t>(plan.k < 0 ? -plan.k : plan.k));
                return plan.k < 0 ? bin(TapeOp::Div, one(), p) : p;
            }
            case PowPlan::Sqrt: return un(TapeOp::Sqrt, k[0]);
            case PowPlan::InvSqrt: return bin(TapeOp::Div, one(), un(TapeOp::Sqrt, k[0]));
            case PowPlan::General: break;
            }
            return call(Libm::Pow, k[0], k[1]);
        }
        case Op::Exp: return call(Libm::Exp, k[0]);
        case Op::Log: return call(Libm::Log, k[0]);
        case Op::Sin: return call(Libm::Sin, k[0]);
        case Op::Cos: return call(Libm::Cos, k[0]);
        case Op::Tan: return call(Libm::Tan, k[0]);
        case Op::Asin: return call(Libm::Asin, k[0]);
        case Op::Acos: return call(Libm::Acos, k[0]);
        case Op::Atan: return call(Libm::Atan, k[0]);
        case Op::Atan2: return call(Libm::Atan2, k[0], k[1]);
        case Op::Sinh: return call(Libm::Sinh, k[0]);
        case Op::Cosh: return call(Libm::Cosh, k[0]);
        case Op::Tanh: return call(Libm::Tanh, k[0]);
        case Op::Asinh: return call(Libm::Asinh, k[0]);
        case Op::Acosh: return call(Libm::Acosh, k[0]);
        case Op::Atanh: return call(Libm::Atanh, k[0]);
        case Op::Cbrt: return call(Libm::Cbrt, k[0]);
        case Op::Erf: return call(Libm::Erf, k[0]);
        case Op::Abs: return un(TapeOp::Fabs, k[0]);
        // The stable and nan-aware forms below are those of lib/eval/semantics.hpp, op for op.
        case Op::Sign: {
            // x > 0 ? 1 : (x < 0 ? -1 : x)
            std::uint32_t x = k[0];
            std::uint32_t neg = select(bin(TapeOp::CmpLt, x, zero()), constant(-1.0), x);
            return select(bin(TapeOp::CmpGt, x, zero()), one(), neg);
        }
        case Op::Heaviside:
            // x > 0 ? 1 : 0
            return select(bin(TapeOp::CmpGt, k[0], zero()), one(), zero());
        case Op::Relu:
            // x > 0 ? x : 0
            return select(bin(TapeOp::CmpGt, k[0], zero()), k[0], zero());
        case Op::Sigmoid: {
            // x >= 0 ? 1/(1 + exp(-x)) : exp(x)/(1 + exp(x)); both branches are pure, so both
            // are computed and one selected.
            std::uint32_t x = k[0];
            std::uint32_t pos = bin(TapeOp::Div, one(), bin(TapeOp::Add, one(), call(Libm::Exp, un(TapeOp::Neg, x))));
            std::uint32_t ex = call(Libm::Exp, x);
            std::uint32_t negv = bin(TapeOp::Div, ex, bin(TapeOp::Add, one(), ex));
            return select(bin(TapeOp::CmpGe, x, zero()), pos, negv);
        }
        case Op::Softplus: {
            // (x > 0 ? x : 0) + log1p(exp(-|x|))
            std::uint32_t x = k[0];
            std::uint32_t m = select(bin(TapeOp::CmpGt, x, zero()), x, zero());
            std::uint32_t t = call(Libm::Log1p, call(Libm::Exp, un(TapeOp::Neg, un(TapeOp::Fabs, x))));
            return bin(TapeOp::Add, m, t);
        }
        case Op::Max: case Op::Min: {
            // isnan(a) ? a : (isnan(b) ? b : (a > b ? a : b)), and with < for min
            std::uint32_t a = k[0], b = k[1];
            std::uint32_t pick = select(bin(e.is(Op::Max) ? TapeOp::CmpGt : TapeOp::CmpLt, a, b), a, b);
            std::uint32_t nan_b = select(bin(TapeOp::CmpUno, b, b), b, pick);
            return select(bin(TapeOp::CmpUno, a, a), a, nan_b);
        }
        }
        return 0;
    }

    // Depth-first, children left to right, with an explicit stack (DAGs can be 100,000 deep).
    std::uint32_t value_of(Expr root) {
        if (auto it = memo_.find(root.id()); it != memo_.end()) return it->second;
        struct Frame {
            Expr e;
            std::size_t next = 0;
            std::size_t limit = 0;
            std::uint32_t acc = 0;
            std::vector<std::uint32_t> kids{};
        };
        std::vector<Frame> stack;
        auto open = [&](Expr e) {
            Frame f{.e = e};
            f.limit = visited_children(e);
            if (!e.is(Op::Add) && !e.is(Op::Mul)) f.kids.reserve(f.limit);
            stack.push_back(std::move(f));
        };
        open(root);
        std::uint32_t result = 0;
        while (!stack.empty()) {
            Frame& f = stack.back();
            if (f.next < f.limit) {
                Expr c = f.e[f.next];
                auto it = memo_.find(c.id());
                if (it == memo_.end()) {
                    open(c);
                    continue;
                }
                std::uint32_t v = it->second;
                if (f.e.is(Op::Add) || f.e.is(Op::Mul)) {
                    f.acc = f.next == 0 ? v : bin(f.e.is(Op::Add) ? TapeOp::Add : TapeOp::Mul, f.acc, v);
                } else {
                    f.kids.push_back(v);
                }
                ++f.next;
                continue;
            }
            result = combine(f.e, f.kids.data(), f.acc);
            memo_.emplace(f.e.id(), result);
            stack.pop_back();
        }
        return result;
    }

    Tape tape_;
    std::unordered_map<NodeId, std::uint32_t> input_index_;
    std::unordered_map<NodeId, std::uint32_t> memo_;
    std::unordered_map<std::uint64_t, std::uint32_t> constants_;
};

} // namespace

std::string_view libm_name(Libm f) { return kLibm[static_cast<std::size_t>(f)].name; }
int libm_arity(Libm f) { return kLibm[static_cast<std::size_t>(f)].arity; }

std::vector<Expr> flatten_outputs(std::span<const Expr> outputs) {
    std::vector<Expr> flat;
    std::vector<Expr> stack;
    for (Expr o : outputs) {
        stack.push_back(o);
        while (!stack.empty()) {
            Expr e = stack.back();
            stack.pop_back();
            if (!e.is(Op::List)) {
                flat.push_back(e);
                continue;
            }
            for (std::size_t i = e.size(); i-- > 0;) stack.push_back(e[i]);
        }
    }
    return flat;
}

Tape lower_op(Expr e) {
    TapeBuilder b({});
    return b.lower_op(e);
}

Tape build_tape(std::span<const Expr> written, std::span<const Expr> inputs) {
    TapeBuilder b(inputs);
    // What the Interpreter evaluates too (eval/stable.hpp), so that the two agree bit for bit.
    for (Expr o : detail::stable_forms(written)) b.output(o);
    return b.finish();
}

} // namespace symdiff::detail
