// The page-level memory of large parses and Contexts (lib/ir/pages.hpp): alignment, reuse of
// given-back regions on the same thread only, and PageStack blocks that never overlap.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "ir/pages.hpp"
#include "symdiff/parse.hpp"
#include "symdiff/print.hpp"

using namespace symdiff::detail;

namespace {

bool aligned(const void* p, std::size_t to) { return reinterpret_cast<std::uintptr_t>(p) % to == 0; }

} // namespace

TEST_CASE("take_pages gives aligned, writable whole huge pages, and reuses what the thread gave back") {
    const std::size_t bytes = kHugePage + 12345; // two huge pages
    auto* p = static_cast<unsigned char*>(take_pages(bytes));
    REQUIRE(aligned(p, kHugePage));
    std::memset(p, 0xAB, 2 * kHugePage); // the whole rounded size is ours
    give_pages(p, bytes);

    // The same rounded size comes back as the same region, with what was written in it.
    auto* again = static_cast<unsigned char*>(take_pages(2 * kHugePage - 1));
    CHECK(again == p);
    CHECK(again[2 * kHugePage - 1] == 0xAB);

    // Another size does not take it (it is in use now, in any case).
    auto* other = static_cast<unsigned char*>(take_pages(kHugePage));
    CHECK(other != again);
    CHECK(aligned(other, kHugePage));
    give_pages(other, kHugePage);
    give_pages(again, 2 * kHugePage);
}

TEST_CASE("a region given back on one thread is not handed out on another") {
    void* mine = take_pages(kHugePage);
    give_pages(mine, kHugePage);
    void* theirs = nullptr;
    std::thread([&] {
        theirs = take_pages(kHugePage);
        std::memset(theirs, 1, kHugePage);
        give_pages(theirs, kHugePage); // kept by that thread, unmapped when it ends
    }).join();
    CHECK(theirs != mine);
    CHECK(take_pages(kHugePage) == mine);
    give_pages(mine, kHugePage);
}

TEST_CASE("PageAllocator serves small and large vectors") {
    std::vector<std::uint32_t, PageAllocator<std::uint32_t>> v;
    for (std::uint32_t i = 0; i < 3'000'000; ++i) v.push_back(i * 7); // grows through take_pages
    REQUIRE(v.size() == 3'000'000);
    for (std::uint32_t i = 0; i < v.size(); i += 9973) CHECK(v[i] == i * 7);
    std::vector<std::uint32_t, PageAllocator<std::uint32_t>> small(10, 5);
    CHECK(small[9] == 5);
}

TEST_CASE("PageStack blocks are 64-byte aligned and never overlap") {
    for (std::size_t heap_first : {std::size_t{0}, std::size_t{512} << 10, kHugePage}) {
        PageStack stack(heap_first);
        std::mt19937 rng(static_cast<unsigned>(heap_first) + 7);
        struct Block {
            unsigned char* p;
            std::size_t n;
            unsigned char fill;
        };
        std::vector<Block> blocks;
        std::size_t total = 0;
        for (int i = 0; i < 3000; ++i) {
            // Mostly small, now and then larger than a whole region.
            std::size_t n = i % 500 == 499 ? 3 * kHugePage + 17 : 1 + rng() % 20000;
            auto* p = static_cast<unsigned char*>(stack.take(n));
            REQUIRE(aligned(p, 64));
            auto fill = static_cast<unsigned char>(i);
            std::memset(p, fill, n);
            blocks.push_back({p, n, fill});
            total += n;
        }
        INFO("heap first " << heap_first << ", " << total << " bytes");
        for (const Block& b : blocks) {
            bool intact = true;
            for (std::size_t k = 0; k < b.n; k += 61) intact = intact && b.p[k] == b.fill;
            intact = intact && b.p[b.n - 1] == b.fill;
            REQUIRE(intact);
        }
    }
}

TEST_CASE("a PageStack whose first block outgrows its heap region takes it from huge pages") {
    PageStack stack(std::size_t{512} << 10);
    auto* big = static_cast<unsigned char*>(stack.take(std::size_t{1} << 20));
    CHECK(aligned(big, kHugePage)); // not from the heap
    std::memset(big, 3, std::size_t{1} << 20);
    auto* next = static_cast<unsigned char*>(stack.take(100));
    std::memset(next, 4, 100);
    CHECK(big[(std::size_t{1} << 20) - 1] == 3);
}

TEST_CASE("a large Context made on one thread is read and destroyed on another") {
    std::string text;
    for (int i = 1; i <= 40000; ++i) text += "x^" + std::to_string(i) + "*y + ";
    text += "1";
    auto* ctx = new symdiff::Context;
    symdiff::Expr e;
    std::thread([&] { e = symdiff::parse_expr(*ctx, text); }).join(); // that thread's pages
    REQUIRE(ctx->size() > 80000);
    CHECK(e.size() == 40001);
    symdiff::Context fresh;
    CHECK(symdiff::to_string(symdiff::parse_expr(fresh, text)) == symdiff::to_string(e));
    std::thread([&] { delete ctx; }).join();
}
