// Context::Exclusive and Context::reserve: the parser's fast path must make the very nodes
// the locked path makes, and must keep a shared Context safe for the other threads.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "symdiff/expr.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff;

namespace {

// A few thousand nodes of every kind the makers build, in a fixed order.
std::vector<NodeId> build(Context& c, int n) {
    std::vector<NodeId> ids;
    for (int i = 0; i < n; ++i) {
        std::string v_name = "v", w_name = "w";
        v_name += std::to_string(i % 31);
        w_name += std::to_string(i % 17);
        Expr v = c.symbol(v_name);
        Expr w = c.symbol(w_name);
        Expr e = c.call(Op::Sin, {v * w + c.integer(i)}) - pow(v, c.rational(i % 5 + 1, 3)) / w;
        ids.push_back(e.id());
    }
    return ids;
}

} // namespace

TEST_CASE("context: nodes made under Exclusive and after reserve are those of the locked path", "[ir][thread]") {
    Context plain, held, reserved;
    std::vector<NodeId> a = build(plain, 3000);
    std::vector<NodeId> b;
    {
        Context::Exclusive outer(held);
        Context::Exclusive inner(held); // nests on one thread
        b = build(held, 3000);
    }
    reserved.reserve(100000);
    std::vector<NodeId> r = build(reserved, 3000);
    REQUIRE(a == b);
    REQUIRE(a == r);
    REQUIRE(plain.size() == held.size());
    REQUIRE(plain.size() == reserved.size());
    for (std::size_t i = 0; i < a.size(); i += 97) {
        REQUIRE(plain[a[i]].key() == held[b[i]].key());
        REQUIRE(to_string(plain[a[i]]) == to_string(held[b[i]]));
        REQUIRE(to_string(plain[a[i]]) == to_string(reserved[r[i]]));
    }
    // The locks were given back: another thread makes nodes, and finds the existing ones.
    std::vector<NodeId> again;
    std::thread([&] { again = build(held, 3000); }).join();
    REQUIRE(again == b);
}

TEST_CASE("context: two Contexts held by one thread at once", "[ir][thread]") {
    Context one, two;
    Context::Exclusive hold_one(one);
    Context::Exclusive hold_two(two);
    REQUIRE(build(one, 500) == build(two, 500));
}

TEST_CASE("context: other threads' makers wait for an Exclusive and agree with it", "[ir][thread]") {
    // One thread holds the Context while the others make the same nodes in another order:
    // they must block until it is done (never make a node beside it) and then find its nodes.
    Context c;
    constexpr int kThreads = 3, kTerms = 2000;
    std::vector<std::vector<NodeId>> results(kThreads);
    std::atomic<bool> holding{false};
    std::atomic<std::size_t> size_when_released{0};
    std::vector<std::thread> pool;
    pool.emplace_back([&] {
        Context::Exclusive only(c);
        holding = true;
        results[0] = build(c, kTerms);
        size_when_released = c.size();
    });
    while (!holding) std::this_thread::yield();
    std::vector<std::size_t> size_after_first(kThreads, 0);
    for (int t = 1; t < kThreads; ++t) {
        pool.emplace_back([&, t] {
            Expr first = c.symbol("v0"); // waits for the Exclusive to end
            size_after_first[t] = c.size();
            (void)first;
            results[t] = build(c, kTerms);
        });
    }
    for (auto& th : pool) th.join();
    for (int t = 1; t < kThreads; ++t) {
        REQUIRE(results[t] == results[0]);
        REQUIRE(size_after_first[t] >= size_when_released);
    }
    REQUIRE(c.size() == size_when_released);
}

TEST_CASE("context: parses sharing a Context on several threads agree", "[ir][thread][parse]") {
    // parse() lowers under an Exclusive; concurrent parses into one Context serialise and
    // intern the same nodes.
    std::string text;
    for (int i = 1; i < 400; ++i) text += "x^" + std::to_string(i) + "*sin(y + " + std::to_string(i) + ") - " + std::to_string(i) + "xy + ";
    text += "1";
    Context alone;
    std::string expected = to_string(parse_expr(alone, text));
    Context shared;
    std::vector<NodeId> ids(4);
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t) pool.emplace_back([&, t] { ids[t] = parse_expr(shared, text).id(); });
    for (auto& th : pool) th.join();
    for (int t = 1; t < 4; ++t) REQUIRE(ids[t] == ids[0]);
    REQUIRE(to_string(shared[ids[0]]) == expected);
    REQUIRE(shared.size() == alone.size());
}
