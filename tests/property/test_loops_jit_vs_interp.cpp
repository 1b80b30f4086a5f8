// Property: a LoopKernel gives exactly the LoopInterpreter's numbers and errors, over random
// loop bodies at every optimisation level.
//
// Bodies are random scalar expressions (random_expr.hpp) over placeholder leaves A..E, which
// are then replaced by what a loop reads: x[i + c] and y[i + c] for small c, the index i,
// parameters p and q, data columns u and v. Each batch puts sums, guarded vector outputs,
// row means and outputs that combine them (a vector reading a sum's value, so two phases) in
// one kernel, and runs it over vectors of lengths 0, 1, 2, 3, 5 and a few thousand, with sizes
// that sometimes make an index fall out of range: then both must fail with the same message.
// Numbers are compared on bit patterns, any nan matching any nan.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "random_expr.hpp"
#include "symdiff/diagnostic.hpp"
#include "symdiff/eval.hpp"
#include "symdiff/jit.hpp"

using namespace symdiff;

namespace {

bool same(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::memcmp(&a, &b, sizeof a) == 0;
}

struct Call {
    std::vector<double> scalars;
    std::vector<std::vector<double>> vectors;
    std::vector<double> out;
    std::vector<std::vector<double>> vout;
    std::vector<const double*> bases;
    std::vector<std::int64_t> lengths;
    std::vector<double*> vbases;
    std::string error;

    LoopArgs args() {
        bases.clear();
        lengths.clear();
        vbases.clear();
        for (auto& v : vectors) {
            bases.push_back(v.data());
            lengths.push_back(static_cast<std::int64_t>(v.size()));
        }
        for (auto& v : vout) vbases.push_back(v.data());
        return LoopArgs{scalars.data(), bases.data(), lengths.data(), out.data(), vbases.data()};
    }

    template <class E>
    void run(const E& e) {
        try {
            LoopArgs a = args();
            std::vector<std::size_t> lens = e.vector_lengths(a);
            out.assign(e.scalar_outputs(), -7.0);
            vout.clear();
            for (std::size_t n : lens) vout.emplace_back(n, -7.0);
            a = args();
            if constexpr (std::is_same_v<E, LoopKernel>) e(a);
            else e.run(a);
        } catch (const Error& err) {
            error = err.what();
        }
    }
};

class Batch {
public:
    Batch(Context& ctx, std::uint64_t seed) : ctx_(ctx), rng_(seed), gen_(ctx, seed, options()) {
        x_ = ctx.symbol("x"), y_ = ctx.symbol("y"), u_ = ctx.symbol("u"), v_ = ctx.symbol("v");
        n_ = ctx.symbol("n"), p_ = ctx.symbol("p"), q_ = ctx.symbol("q");
        i_ = ctx.symbol("i"), k_ = ctx.symbol("k");
    }

    static testing::RandomExprOptions options() {
        testing::RandomExprOptions o;
        o.max_depth = 3;
        o.variables = {"A", "B", "C", "D", "E"};
        return o;
    }

    Signature signature() const { return Signature{{n_, p_, q_}, {x_, y_, u_, v_}}; }

    int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

    // x[i + c] or y[i + c], c = 0 or 1, and now and then -1 (out of range at i = 1).
    Expr element(Expr idx) {
        Expr vec = pick(2) ? x_ : y_;
        int c = pick(25) == 0 ? -1 : pick(2);
        return ctx_.at(vec, c == 0 ? idx : idx + ctx_.integer(c));
    }

    // A random expression with its placeholders replaced by what the loop over idx reads.
    Expr body(Expr idx) {
        Expr e = gen_.next();
        std::vector<std::pair<Expr, Expr>> subs;
        for (const char* name : {"A", "B", "C", "D", "E"}) {
            Expr leaf;
            switch (pick(6)) {
            case 0: case 1: case 2: leaf = element(idx); break;
            case 3: leaf = p_; break;
            case 4: leaf = q_; break;
            default: leaf = pick(2) ? idx : element(idx); break;
            }
            subs.emplace_back(ctx_.symbol(name), leaf);
        }
        return substitute(e, subs);
    }
    Expr row_body() {
        Expr e = gen_.next();
        std::vector<std::pair<Expr, Expr>> subs;
        for (const char* name : {"A", "B", "C", "D", "E"}) {
            Expr leaf;
            switch (pick(4)) {
            case 0: leaf = u_; break;
            case 1: leaf = v_; break;
            case 2: leaf = p_; break;
            default: leaf = pick(2) ? u_ : q_; break;
            }
            subs.emplace_back(ctx_.symbol(name), leaf);
        }
        // At least one column, so that the rows are known.
        return substitute(e, subs) + u_ * ctx_.rational(1, 3);
    }

    // Bounds: 1 or 2 up to n, n - 1 or len(x).
    Expr lo() { return ctx_.integer(1 + pick(2)); }
    Expr hi() {
        switch (pick(3)) {
        case 0: return n_;
        case 1: return n_ - ctx_.integer(1);
        default: return ctx_.len(x_) - ctx_.integer(1);
        }
    }

    std::vector<Expr> outputs() {
        std::vector<Expr> outs;
        Expr s1 = ctx_.sum(i_, lo(), hi(), body(i_));
        Expr s2 = ctx_.sum(i_, ctx_.integer(1), n_, ctx_.guard(i_, ctx_.integer(2), n_ - ctx_.integer(1), body(i_)) + body(i_));
        outs.push_back(s1);
        outs.push_back(s2);
        // A gather-form vector: guarded terms over shifted ranges, like a gradient.
        Expr g = ctx_.guard(k_, ctx_.integer(1), n_ - ctx_.integer(1), body(k_)) +
                 ctx_.guard(k_, ctx_.integer(2), n_, body(k_)) + body(k_) * ctx_.integer(pick(2));
        outs.push_back(ctx_.vec(k_, ctx_.integer(1), n_, g));
        Expr m1 = ctx_.row_mean(row_body());
        Expr m2 = ctx_.row_sum(row_body());
        outs.push_back(m1);
        outs.push_back(m2 * p_ + ctx_.call(Op::Sin, {s1}));
        // A second phase: a vector and a sum that read the first sums' values.
        outs.push_back(ctx_.vec(k_, ctx_.integer(1), ctx_.len(x_), ctx_.at(x_, k_) * s2 + m1));
        outs.push_back(ctx_.sum(i_, ctx_.integer(1), n_, element(i_) / (ctx_.integer(1) + s1 * s1)));
        return outs;
    }

    // Inputs: x and y of length n + 1 (x sometimes n, to make x[i + 1] fall out of range),
    // columns u and v of one length (sometimes different).
    Call inputs(std::size_t n) {
        std::uniform_real_distribution<double> d(-2, 2);
        Call c;
        auto vec = [&](std::size_t len) {
            std::vector<double> v(len);
            for (double& e : v) e = d(rng_);
            return v;
        };
        std::size_t nx = pick(15) == 0 ? n : n + 1;
        std::size_t rows = n + static_cast<std::size_t>(pick(3));
        c.scalars = {static_cast<double>(n), d(rng_), d(rng_)};
        if (pick(40) == 0) c.scalars[0] = static_cast<double>(n) + 0.5;
        c.vectors = {vec(nx), vec(n + 1), vec(rows), vec(pick(25) == 0 ? rows + 1 : rows)};
        return c;
    }

private:
    Context& ctx_;
    std::mt19937_64 rng_;
    testing::RandomExpr gen_;
    Expr x_, y_, u_, v_, n_, p_, q_, i_, k_;
};

void compare(const Call& a, const Call& b) {
    REQUIRE(a.error == b.error);
    if (!a.error.empty()) return;
    REQUIRE(a.out.size() == b.out.size());
    for (std::size_t i = 0; i < a.out.size(); ++i) {
        INFO("scalar output " << i << ": " << a.out[i] << " vs " << b.out[i]);
        CHECK(same(a.out[i], b.out[i]));
    }
    REQUIRE(a.vout.size() == b.vout.size());
    for (std::size_t v = 0; v < a.vout.size(); ++v) {
        REQUIRE(a.vout[v].size() == b.vout[v].size());
        for (std::size_t i = 0; i < a.vout[v].size(); ++i) {
            INFO("vector output " << v << "[" << i << "]: " << a.vout[v][i] << " vs " << b.vout[v][i]);
            CHECK(same(a.vout[v][i], b.vout[v][i]));
        }
    }
}

} // namespace

TEST_CASE("LoopKernel agrees with LoopInterpreter on random loop bodies, O0..O3") {
    const int batches = 80;
    int errors = 0, runs = 0;
    for (int seed = 1; seed <= batches; ++seed) {
        Context ctx;
        Batch batch(ctx, static_cast<std::uint64_t>(seed));
        std::vector<Expr> outs = batch.outputs();
        Signature sig = batch.signature();
        LoopInterpreter li(outs, sig);
        std::vector<Call> calls;
        for (std::size_t n : {0, 1, 2, 3, 5, 8}) calls.push_back(batch.inputs(n));
        calls.push_back(batch.inputs(1000 + static_cast<std::size_t>(batch.pick(3000))));
        std::vector<Call> expected = calls;
        for (Call& c : expected) c.run(li);
        const int level = seed % 4; // every level, a quarter of the batches each
        JitOptions o;
        o.opt_level = level;
        LoopKernel k = compile_loops(outs, sig, o);
        for (std::size_t c = 0; c < calls.size(); ++c) {
            INFO("seed " << seed << " O" << level << " call " << c << " n = " << calls[c].scalars[0]);
            Call got = calls[c];
            got.run(k);
            compare(expected[c], got);
            errors += !expected[c].error.empty();
            ++runs;
        }
    }
    WARN(errors << " of " << runs << " calls failed (the same way in both)");
    // The inputs are meant to exercise both paths.
    CHECK(errors > runs / 20);
    CHECK(errors < runs / 2);
}
