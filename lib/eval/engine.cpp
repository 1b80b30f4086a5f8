/// \file Binding values to an expression's inputs, the backend cost model, and running the
/// engine it chooses (engine.hpp).
#include "symdiff/engine.hpp"

#include "symdiff/print.hpp"
#include "symdiff/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <unordered_set>

namespace symdiff {
namespace {

bool is_name_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// Where `name` occurs in the text as a whole word, for a caret under it.
std::optional<std::size_t> find_word(std::string_view text, std::string_view name) {
    if (name.empty()) return std::nullopt;
    for (auto at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
        bool before = at > 0 && is_name_byte(static_cast<unsigned char>(text[at - 1]));
        std::size_t end = at + name.size();
        bool after = end < text.size() && is_name_byte(static_cast<unsigned char>(text[end]));
        if (!before && !after) return at;
    }
    return std::nullopt;
}

const Assignment* find_assignment(std::span<const Assignment> at, std::string_view name) {
    auto it = std::find_if(at.begin(), at.end(), [&](const Assignment& a) { return a.name == name; });
    return it == at.end() ? nullptr : &*it;
}

} // namespace

void throw_at_word(std::string_view source, std::string_view name, const std::string& message) {
    if (auto pos = find_word(source, name)) {
        auto points = std::count_if(name.begin(), name.end(), [](char c) { return (c & 0xC0) != 0x80; });
        throw Error(make_diagnostic(message, source, *pos, static_cast<std::size_t>(points)));
    }
    throw Error(message);
}

// --- the cost model

namespace {

// The cost model of EvalBackend::Auto: an engine costs a fixed compile time, a compile time per
// DAG node, and a time per node for each call (and, for loops, for each element or row).
// The interpreter compiles nothing worth counting (its tape costs about as much as the JIT's,
// which builds one too), so the JIT is chosen when
//     fixed + nodes * compile + work * call  <  work * interp,   work = calls * elements * nodes.
// Measured with bench/bench_cli_backend (CPU time, 2-core machine under load; README
// "`symdiff check`" has the command) on extended Rosenbrock, flat and as a sum over a vector:
//   points, Interpreter: 9.2 ns per node per call; JIT -O0: 0.76 ms + 2.2 us per node to
//     compile, 0.17-0.3 ns per node per call. (-O2 compiles at 15-26 us per node for
//     0.1 ns per node per call: never the better choice for one command.)
//   loops, LoopInterpreter: 0.27-0.29 ns per node per element; LoopKernel -O0: 2.3 ms + 10 us
//     per node, 0.07 ns per node per element; -O2: 10 ms + 38 us per node, 0.013 ns.
// So a point kernel pays from about 240 + 83,000 / nodes calls on: `eval` and `grad` at one
// point never, `check` from about a hundred variables of a flat sum on. A loop kernel pays
// from about 10^7 node-elements on (`eval` of a 10-node mean over a million rows), and -O2
// from about 2*10^8.
struct EngineCost {
    double interp_ns;  // per node per call (and element) interpreted
    double fixed_ns;   // compile, fixed part
    double node_ns;    // compile, per node
    double call_ns;    // per node per call (and element) compiled
};
constexpr EngineCost kPointO0{9.2, 0.76e6, 2.2e3, 0.3};
constexpr EngineCost kLoopO0{0.28, 2.3e6, 10e3, 0.07};
constexpr EngineCost kLoopO2{0.28, 10e6, 38e3, 0.013};

double work_of(const Work& w) { return w.calls * w.elements * static_cast<double>(w.nodes); }

double jit_ns(const EngineCost& c, const Work& w) {
    return c.fixed_ns + c.node_ns * static_cast<double>(w.nodes) + c.call_ns * work_of(w);
}

const EngineCost& best_loop_cost(const Work& w) {
    return jit_ns(kLoopO2, w) < jit_ns(kLoopO0, w) ? kLoopO2 : kLoopO0;
}

} // namespace

bool jit_pays(const Work& w, bool loops) {
    const EngineCost& c = loops ? best_loop_cost(w) : kPointO0;
    return jit_ns(c, w) < c.interp_ns * work_of(w);
}

bool loss_jit_pays(const Work& w) { return jit_ns(kLoopO2, w) < kLoopO2.interp_ns * work_of(w); }

JitOptions exact_jit_options(const Work& w, bool loops) {
    JitOptions o;
    o.opt_level = loops && &best_loop_cost(w) == &kLoopO2 ? 2 : 0;
    // A rerolled kernel adds a flat sum's terms in another order than the interpreter, and
    // both engines must give the same digits.
    o.reroll_min_terms = 0;
    o.fast_math = false;
    return o;
}

std::size_t dag_nodes(std::span<const Expr> outputs) { return outputs.empty() ? 0 : topological_order(outputs).size(); }

void throw_jit_refused(const Error& why) {
    throw Error(fmt::format("--backend jit: the JIT cannot compile this expression ({}); --backend interp "
                            "evaluates it",
                            why.what()));
}

// --- point functions

PointKernel::PointKernel(std::span<const Expr> outputs, std::span<const Expr> inputs, EvalBackend backend,
                         double calls) {
    const Work w{dag_nodes(outputs), calls, 1};
    if (backend == EvalBackend::Jit || (backend == EvalBackend::Auto && jit_pays(w, false))) {
        try {
            jit_ = compile(outputs, inputs, exact_jit_options(w, false));
            return;
        } catch (const Error& e) {
            // What the interpreter refuses too is the user's error, in the interpreter's words.
            interp_.emplace(outputs, inputs);
            if (backend == EvalBackend::Jit) throw_jit_refused(e);
            return;
        }
    }
    interp_.emplace(outputs, inputs);
}

void PointKernel::operator()(const double* in, double* out) const {
    if (jit_) jit_(in, out);
    else interp_->run(in, out);
}

void require_bound(Expr e, std::span<const Assignment> at, std::string_view source) {
    for (Expr v : free_symbols(e)) {
        const Assignment* a = find_assignment(at, v.name());
        if (a && !a->is_vector) continue;
        throw_at_word(source, v.name(),
                      fmt::format("unknown variable '{}': give its value with --at {}=...", v.name(), v.name()));
    }
}

std::vector<Expr> scalar_leaves(Expr e) {
    std::vector<Expr> out;
    std::vector<Expr> stack{e};
    while (!stack.empty()) {
        const Expr x = stack.back();
        stack.pop_back();
        if (!x.is(Op::List)) {
            out.push_back(x);
            continue;
        }
        for (std::size_t i = x.size(); i-- > 0;) stack.push_back(x[i]);
    }
    return out;
}

namespace {

// e's Value from its leaves' values, consumed in the order of scalar_leaves.
Value rebuild(Expr e, const double*& next) {
    if (!e.is(Op::List)) return Value{*next++, {}, false};
    Value v;
    v.is_list = true;
    for (std::size_t i = 0; i < e.size(); ++i) v.items.push_back(rebuild(e[i], next));
    return v;
}

} // namespace

Value evaluate_point(Expr e, std::span<const Assignment> at, EvalBackend backend, std::string_view source) {
    require_bound(e, at, source);
    const std::vector<Expr> leaves = scalar_leaves(e);
    std::vector<Expr> inputs;
    std::unordered_set<std::string> seen;
    for (Expr leaf : leaves)
        for (Expr s : free_symbols(leaf))
            if (seen.insert(s.name()).second) inputs.push_back(s);
    std::vector<double> x;
    for (Expr s : inputs) x.push_back(find_assignment(at, s.name())->value);
    const PointKernel kernel(leaves, inputs, backend, 1);
    std::vector<double> values(leaves.size());
    kernel(x.data(), values.data());
    const double* next = values.data();
    return rebuild(e, next);
}

// --- loops

bool uses_loops(Expr e) {
    const Expr roots[] = {e};
    const Context& ctx = e.context();
    for (NodeId id : topological_order(roots)) {
        switch (ctx[id].op()) {
        case Op::At:
        case Op::Len:
        case Op::Sum:
        case Op::RowSum:
        case Op::RowMean:
        case Op::Guard:
        case Op::Vec: return true;
        default: break;
        }
    }
    return false;
}

bool used_as_number(Expr e, std::string_view name, bool rows_read_numbers) {
    // Depth-first over (node, inside a row reduction), each pair once: a shared subexpression
    // may occur both inside a mean over rows and outside it.
    const Context& ctx = e.context();
    std::unordered_set<std::uint64_t> seen;
    std::vector<std::pair<NodeId, bool>> stack{{e.id(), false}};
    while (!stack.empty()) {
        const auto [id, in_rows] = stack.back();
        stack.pop_back();
        if (!seen.insert((static_cast<std::uint64_t>(id) << 1) | (in_rows ? 1u : 0u)).second) continue;
        const Expr x = ctx[id];
        if (x.is_symbol() && x.name() == name) {
            if (!in_rows || rows_read_numbers) return true;
            continue;
        }
        const Op op = x.op();
        if (op == Op::At || op == Op::Len) { // x[k], len(x): the vector itself is not a number
            for (std::size_t i = 1; i < x.size(); ++i) stack.emplace_back(x[i].id(), in_rows);
            continue;
        }
        const bool rows = in_rows || op == Op::RowSum || op == Op::RowMean;
        for (std::size_t i = binds_index(op) ? 1 : 0; i < x.size(); ++i) stack.emplace_back(x[i].id(), rows);
    }
    return false;
}

LoopBinding bind_loops(std::span<const Expr> outputs, std::span<const Assignment> at, const DataSet* data,
                       std::string_view source) {
    LoopBinding b;
    if (outputs.empty()) return b;
    Context& ctx = outputs.front().context();
    const Expr all = ctx.list(outputs);
    std::vector<Expr> sizes = size_symbols(all);
    const std::vector<Expr> indexed = vector_symbols(all);
    const std::vector<Expr> free = free_symbols(all);
    // Only the vectors the outputs read give the sizes: `at` may name others (ignored).
    std::vector<const Assignment*> vectors;
    for (const Assignment& a : at)
        if (a.is_vector && std::any_of(free.begin(), free.end(), [&](Expr s) { return s.name() == a.name; }))
            vectors.push_back(&a);
    std::size_t bound_columns = 0;
    for (Expr s : free) {
        const std::string& name = s.name();
        if (const Assignment* given = find_assignment(at, name)) {
            if (given->is_vector) {
                b.signature.vectors.push_back(s);
                b.vectors.push_back(given->elements.data());
                b.lengths.push_back(static_cast<std::int64_t>(given->elements.size()));
            } else {
                if (std::find(indexed.begin(), indexed.end(), s) != indexed.end())
                    throw_at_word(source, name,
                                  fmt::format("'{}' is a vector ({}[...]): give its elements with --at '{}=[a, b, ...]'",
                                              name, name, name));
                b.signature.scalars.push_back(s);
                b.scalars.push_back(given->value);
            }
            continue;
        }
        if (data) {
            auto col = std::find(data->names.begin(), data->names.end(), name);
            if (col != data->names.end()) {
                const auto& values = data->columns[static_cast<std::size_t>(col - data->names.begin())];
                b.signature.vectors.push_back(s);
                b.vectors.push_back(values.data());
                b.lengths.push_back(static_cast<std::int64_t>(values.size()));
                ++bound_columns;
                continue;
            }
        }
        if (std::find(sizes.begin(), sizes.end(), s) != sizes.end() && !vectors.empty()) {
            const std::size_t n = vectors.front()->elements.size();
            for (const Assignment* v : vectors)
                if (v->elements.size() != n)
                    throw_at_word(source, name,
                                  fmt::format("'{}' has no value, and the vectors differ in length ({} has {}, {} has "
                                              "{}): give it with --at {}=...",
                                              name, vectors.front()->name, n, v->name, v->elements.size(), name));
            b.signature.scalars.push_back(s);
            b.scalars.push_back(static_cast<double>(n));
            b.inferred.push_back(Assignment{name, static_cast<double>(n), {}, false, {}, {}});
            continue;
        }
        const std::optional<std::string> near = data ? nearest_name(name, data->names) : std::nullopt;
        throw_at_word(source, name,
                      fmt::format("unknown variable '{}': give its value with --at {}=...{}", name, name,
                                  data ? fmt::format(" (it is not a column of {}{})", data->source,
                                                     near ? "; did you mean '" + *near + "'?" : std::string())
                                       : std::string()));
    }
    if (bound_columns == 0 && (data || b.signature.vectors.empty())) {
        // A sum or mean over rows that reads no column (sum(1), mean(2*m), the derivative of a
        // term free of the data) runs over the file's rows, so one column must count them: the
        // first that the outputs do not name at all, which the loop never reads.
        Expr over_rows;
        std::unordered_set<std::string> named;
        for (NodeId id : topological_order(std::span<const Expr>(&all, 1))) {
            const Expr e = ctx[id];
            if (e.is(Op::RowSum) || e.is(Op::RowMean)) over_rows = e;
            if (e.is_symbol()) named.insert(e.name());
        }
        if (!over_rows.is_null() && !data)
            throw Error(fmt::format("{} runs over the rows of data: give them with --data FILE.csv",
                                    to_string(over_rows, Format::Text)));
        if (!over_rows.is_null() && !data->names.empty()) {
            std::size_t c = 0;
            while (c < data->names.size() && named.count(data->names[c])) ++c;
            if (c == data->names.size()) c = 0;
            b.signature.vectors.push_back(ctx.symbol(data->names[c]));
            b.vectors.push_back(data->columns[c].data());
            b.lengths.push_back(static_cast<std::int64_t>(data->rows()));
        }
    }
    return b;
}

namespace {

// One run of a LoopInterpreter or LoopKernel (the same interface) over the bound inputs.
template <class Engine>
std::vector<Value> run_loops(const Engine& engine, std::span<const Expr> outputs, const LoopBinding& b) {
    LoopArgs args;
    args.scalars = b.scalars.data();
    args.vectors = b.vectors.data();
    args.lengths = b.lengths.data();
    args.stop = b.stop;
    const std::vector<std::size_t> lengths = engine.vector_lengths(args);
    std::vector<double> scalars(engine.scalar_outputs());
    std::vector<std::vector<double>> vectors;
    std::vector<double*> vector_out;
    for (std::size_t n : lengths) vectors.emplace_back(n);
    for (auto& v : vectors) vector_out.push_back(v.data());
    args.out = scalars.data();
    args.vector_out = vector_out.data();
    if constexpr (std::is_same_v<Engine, LoopInterpreter>)
        engine.run(args);
    else
        engine(args);
    std::vector<Value> values;
    std::size_t si = 0, vi = 0;
    for (Expr e : outputs) {
        if (e.is(Op::Vec)) {
            Value v;
            v.is_list = true;
            for (double x : vectors[vi]) v.items.push_back(Value{x, {}, false});
            ++vi;
            values.push_back(std::move(v));
        } else {
            values.push_back(Value{scalars[si++], {}, false});
        }
    }
    return values;
}

} // namespace

std::vector<Value> evaluate_loops(std::span<const Expr> outputs, const LoopBinding& b, EvalBackend backend) {
    double elements = 1;
    for (std::int64_t n : b.lengths) elements = std::max(elements, static_cast<double>(n));
    const Work w{dag_nodes(outputs), 1, elements};
    if (backend == EvalBackend::Interp || (backend == EvalBackend::Auto && !jit_pays(w, true)))
        return run_loops(LoopInterpreter(outputs, b.signature), outputs, b);
    LoopKernel kernel;
    try {
        kernel = compile_loops(outputs, b.signature, exact_jit_options(w, true));
    } catch (const Error& e) {
        LoopInterpreter reference(outputs, b.signature); // the user's error, if it is one
        if (backend == EvalBackend::Jit) throw_jit_refused(e);
        return run_loops(reference, outputs, b);
    }
    return run_loops(kernel, outputs, b);
}

std::vector<ColumnView> column_views(const DataSet& data) {
    std::vector<ColumnView> views;
    for (std::size_t c = 0; c < data.names.size(); ++c)
        views.push_back(ColumnView{data.names[c], std::span<const double>(data.columns[c].data(), data.columns[c].size())});
    return views;
}

Loss make_loss(Expr f, std::span<const Expr> scalars, std::span<const VectorParameter> vectors,
               std::span<const ColumnView> columns, std::span<const SizeBinding> fixed, LossOptions options,
               EvalBackend backend, const Work& work) {
    options.backend = backend == EvalBackend::Jit || (backend == EvalBackend::Auto && loss_jit_pays(work))
                          ? Backend::Jit
                          : Backend::Interpreter;
    const LossInputs inputs{scalars, vectors, columns, fixed};
    if (options.backend == Backend::Interpreter) return Loss(f, inputs, options);
    try {
        return Loss(f, inputs, options);
    } catch (const Error& e) {
        options.backend = Backend::Interpreter;
        Loss reference(f, inputs, options); // the user's error, if it is one
        if (backend == EvalBackend::Jit) throw_jit_refused(e);
        return reference;
    }
}

std::vector<Expr> default_parameters(Expr f, std::span<const Expr> variables, const DataSet* data) {
    const std::vector<Expr> sizes = size_symbols(f);
    std::vector<Expr> params;
    for (Expr v : variables) {
        if (data && data->column(v.name())) continue;
        if (std::find(sizes.begin(), sizes.end(), v) != sizes.end()) continue;
        params.push_back(v);
    }
    return params;
}

LossParameters loss_parameters(Expr f, std::span<const Expr> params, std::span<const Assignment> start,
                               std::string_view option) {
    const std::vector<Expr> indexed = vector_symbols(f);
    auto is_vector = [&](Expr p) { return std::find(indexed.begin(), indexed.end(), p) != indexed.end(); };
    LossParameters lp;
    for (Expr p : params) {
        if (is_vector(p)) continue;
        const Assignment* b = find_assignment(start, p.name());
        if (b && b->is_vector)
            throw Error(fmt::format("{} gives a vector to '{}', which the loss uses as a number", option, p.name()));
        lp.scalars.push_back(p);
        lp.start.push_back(b ? b->value : 0.0);
    }
    for (Expr p : params) {
        if (!is_vector(p)) continue;
        const Assignment* b = find_assignment(start, p.name());
        if (!b || !b->is_vector)
            throw Error(fmt::format("'{}' is a vector: give its start value and length with {} {}=[0]*N", p.name(),
                                    option, p.name()));
        lp.vectors.push_back(VectorParameter{p, b->elements.size()});
        lp.start.insert(lp.start.end(), b->elements.begin(), b->elements.end());
    }
    return lp;
}

} // namespace symdiff
