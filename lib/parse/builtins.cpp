// The built-in names of the language: the function table, the constants, and the natural
// order of variable names.
#include "parse/builtins.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "symdiff/diagnostic.hpp"

namespace symdiff::detail {
namespace {

const std::unordered_map<std::string_view, FnSpec>& functions() {
    static const std::unordered_map<std::string_view, FnSpec> table = [] {
        std::unordered_map<std::string_view, FnSpec> t;
        auto unary = [&](std::string_view name, Op op) { t.emplace(name, FnSpec{FnKind::Direct, op, 1, 1}); };
        unary("exp", Op::Exp);
        unary("ln", Op::Log);
        unary("sin", Op::Sin);
        unary("cos", Op::Cos);
        unary("tan", Op::Tan);
        unary("asin", Op::Asin);
        unary("acos", Op::Acos);
        unary("atan", Op::Atan);
        unary("arcsin", Op::Asin);
        unary("arccos", Op::Acos);
        unary("arctan", Op::Atan);
        unary("sinh", Op::Sinh);
        unary("cosh", Op::Cosh);
        unary("tanh", Op::Tanh);
        unary("asinh", Op::Asinh);
        unary("acosh", Op::Acosh);
        unary("atanh", Op::Atanh);
        unary("arcsinh", Op::Asinh);
        unary("arccosh", Op::Acosh);
        unary("arctanh", Op::Atanh);
        unary("abs", Op::Abs);
        unary("sign", Op::Sign);
        unary("heaviside", Op::Heaviside);
        unary("cbrt", Op::Cbrt);
        unary("erf", Op::Erf);
        unary("sigmoid", Op::Sigmoid);
        unary("\xCF\x83", Op::Sigmoid); // σ(z), as the tutorials write it; bare σ is a variable
        unary("relu", Op::Relu);
        unary("softplus", Op::Softplus);
        t.emplace("atan2", FnSpec{FnKind::Direct, Op::Atan2, 2, 2});
        t.emplace("arctan2", FnSpec{FnKind::Direct, Op::Atan2, 2, 2});
        t.emplace("log", FnSpec{FnKind::Log, Op::Log, 1, 2});
        t.emplace("log2", FnSpec{FnKind::Log2, Op::Log, 1, 1});
        t.emplace("log10", FnSpec{FnKind::Log10, Op::Log, 1, 1});
        t.emplace("sqrt", FnSpec{FnKind::Sqrt, Op::Num, 1, 1});
        // The spellings of C (and of the C format's output): pow(a, b) = a^b, fabs = abs.
        t.emplace("pow", FnSpec{FnKind::Pow, Op::Pow, 2, 2});
        unary("fabs", Op::Abs);
        t.emplace("sec", FnSpec{FnKind::Sec, Op::Cos, 1, 1});
        t.emplace("csc", FnSpec{FnKind::Csc, Op::Sin, 1, 1});
        t.emplace("cot", FnSpec{FnKind::Cot, Op::Tan, 1, 1});
        t.emplace("max", FnSpec{FnKind::Fold, Op::Max, 2, kAny});
        t.emplace("min", FnSpec{FnKind::Fold, Op::Min, 2, kAny});
        t.emplace("sum", FnSpec{FnKind::Sum, Op::Sum, 1, 2});
        t.emplace("mean", FnSpec{FnKind::Mean, Op::RowMean, 1, 2});
        t.emplace("len", FnSpec{FnKind::Len, Op::Len, 1, 1});
        return t;
    }();
    return table;
}

// The lengths and first bytes of the function names: most names asked about are variables,
// and these two tests turn them away without hashing.
struct FnFilter {
    std::size_t shortest = ~std::size_t{0};
    std::size_t longest = 0;
    bool first[256] = {};
};

const FnFilter& function_filter() {
    static const FnFilter filter = [] {
        FnFilter f;
        for (const auto& [name, spec] : functions()) {
            f.shortest = std::min(f.shortest, name.size());
            f.longest = std::max(f.longest, name.size());
            f.first[static_cast<unsigned char>(name[0])] = true;
        }
        return f;
    }();
    return filter;
}

// A name split at its trailing digits: x12 is ("x", "12"); a name without them, or of digits
// only, has no number.
struct NumberedName {
    std::string_view stem, digits;
};

NumberedName numbered(std::string_view name) {
    std::size_t end = name.size();
    while (end > 0 && std::isdigit(static_cast<unsigned char>(name[end - 1]))) --end;
    if (end == 0 || end == name.size()) return {name, {}};
    return {name.substr(0, end), name.substr(end)};
}

// x2 before x10: digit runs compared as numbers (without their leading zeros), then x1
// before x01, so that distinct names never tie.
bool numerically_before(std::string_view a, std::string_view b) {
    auto value = [](std::string_view d) { return d.substr(std::min(d.find_first_not_of('0'), d.size())); };
    const std::string_view va = value(a), vb = value(b);
    if (va.size() != vb.size()) return va.size() < vb.size();
    if (va != vb) return va < vb;
    return a.size() < b.size();
}

} // namespace

std::size_t longest_function_name() { return function_filter().longest; }

const FnSpec* find_function(std::string_view name) {
    const FnFilter& f = function_filter();
    if (name.size() < f.shortest || name.size() > f.longest || !f.first[static_cast<unsigned char>(name[0])])
        return nullptr;
    auto it = functions().find(name);
    return it == functions().end() ? nullptr : &it->second;
}

const std::vector<std::string_view>& function_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> v;
        for (const auto& [name, spec] : functions()) v.push_back(name);
        std::sort(v.begin(), v.end());
        return v;
    }();
    return names;
}

Constant find_constant(std::string_view name) {
    if (name == "pi" || name == "\xCF\x80") return Constant::Pi;
    if (name == "e") return Constant::E;
    if (name == "inf") return Constant::Inf;
    if (name == "nan") return Constant::Nan;
    return Constant::None;
}

Expr apply_builtin(Context& ctx_, const FnSpec& spec, std::span<const Expr> args) {
    switch (spec.kind) {
    case FnKind::Direct: return ctx_.call(spec.op, args);
    case FnKind::Log:
        if (args.size() == 1) return ctx_.call(Op::Log, {args[0]});
        return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {args[1]}));
    case FnKind::Log2: return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {ctx_.integer(2)}));
    case FnKind::Log10: return ctx_.div(ctx_.call(Op::Log, {args[0]}), ctx_.call(Op::Log, {ctx_.integer(10)}));
    case FnKind::Sqrt: return ctx_.sqrt(args[0]);
    case FnKind::Pow: return ctx_.pow(args[0], args[1]);
    case FnKind::Sec: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Cos, {args[0]}));
    case FnKind::Csc: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Sin, {args[0]}));
    case FnKind::Cot: return ctx_.div(ctx_.integer(1), ctx_.call(Op::Tan, {args[0]}));
    case FnKind::Fold: {
        Expr acc = args[0];
        for (std::size_t i = 1; i < args.size(); ++i) acc = ctx_.call(spec.op, {acc, args[i]});
        return acc;
    }
    case FnKind::Sum:
    case FnKind::Mean:
    case FnKind::Len: break; // their arguments are not values: see reduction() and length()
    }
    throw Error("internal error: unhandled function kind");
}

void natural_order(std::vector<Expr>& names) {
    std::vector<Expr> out;
    out.reserve(names.size());
    std::unordered_set<std::string_view> placed; // stems whose family is out already
    for (Expr v : names) {
        const NumberedName n = numbered(v.name());
        if (n.digits.empty()) {
            out.push_back(v);
            continue;
        }
        if (!placed.insert(n.stem).second) continue;
        const std::size_t first = out.size();
        for (Expr w : names) {
            const NumberedName m = numbered(w.name());
            if (!m.digits.empty() && m.stem == n.stem) out.push_back(w);
        }
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), [](Expr a, Expr b) {
            return numerically_before(numbered(a.name()).digits, numbered(b.name()).digits);
        });
    }
    names = std::move(out);
}

} // namespace symdiff::detail
