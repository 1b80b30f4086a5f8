// Node storage of a Context, private to lib/ir: the chunk directory and its sizes, the intern
// table and the blocks of children (storage.cpp), which the constructors (context.cpp) reach
// for the interned symbols and small integers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "symdiff/expr.hpp"

namespace symdiff {

/// An empty slot of the intern table, and "not made yet" for the remembered nodes.
constexpr NodeId kEmpty = ~NodeId{0};

// Node storage: chunks of 2^kChunkBits nodes that never move, found through a directory
// allocated once at full size, so readers need no lock while makers append.
constexpr unsigned kChunkBits = 14;
// At most 2^30 nodes (77 GB of them): the directory is then 512 KB of address space.
constexpr unsigned kMaxChunks = 1u << (30 - kChunkBits);

struct Context::Impl {
    struct Free {
        void operator()(detail::Node** p) const noexcept { std::free(p); }
    };
    std::unique_ptr<detail::Node*[], Free> chunks{static_cast<detail::Node**>(std::calloc(kMaxChunks, sizeof(detail::Node*)))};
    std::mutex mu;
    // Held across the whole of symbol(), so two threads making the same new name agree on
    // one name string (and so one node); never taken while `mu` is held.
    std::mutex symbol_mu;
    std::atomic<std::uint32_t> count{0};
    // The node chunks and the blocks of children: memory that lives as long as the Context.
    std::vector<std::unique_ptr<std::byte[]>> blocks;
    void* take(std::size_t bytes) {
        blocks.push_back(std::make_unique_for_overwrite<std::byte[]>(bytes));
        return blocks.back().get();
    }

    // Children live in blocks that never move; a node's children are contiguous.
    static constexpr std::size_t kKidBlock = 1 << 14;
    NodeId* kid_cur = nullptr;
    std::size_t kid_left = 0;

    std::vector<std::unique_ptr<std::string>> names;
    std::unordered_map<std::string_view, NodeId> symbols;

    // Open-addressing intern table: a slot holds a node id and the low half of its intern
    // hash. A probe passes over other nodes without reading them (with a large Context each
    // such read is a cache miss): nodes that share the home slot differ in the tag's bits
    // above the table's mask, 13 of them at 2^19 slots. The tag holds the home slot itself,
    // so rehashing reads nothing but the table (it can grow to 2^31 slots, as nodes are at
    // most 2^30).
    struct Slot {
        NodeId id;
        std::uint32_t tag;
    };
    static std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h); }
    std::vector<Slot> table;

    NodeId pi = kEmpty;
    NodeId e = kEmpty;
    // The nodes of the integers -1..2, which the constructors ask for all the time (a - b is
    // a + (-1)*b, a/b is a*b^(-1)), known once made: the same node the table would find,
    // without its lock and probe.
    static constexpr std::int64_t kSmallLo = -1, kSmallHi = 2;
    std::atomic<NodeId> small[kSmallHi - kSmallLo + 1] = {kEmpty, kEmpty, kEmpty, kEmpty};

    // The table at `size` slots (a power of two), every node where a probe finds it.
    void rehash(std::size_t size) {
        std::vector<Slot> bigger(size, Slot{kEmpty, 0});
        std::size_t mask = size - 1;
        for (Slot old : table) {
            if (old.id == kEmpty) continue;
            std::size_t j = old.tag & mask;
            while (bigger[j].id != kEmpty) j = (j + 1) & mask;
            bigger[j] = old;
        }
        table.swap(bigger);
    }

    const NodeId* store_kids(std::span<const NodeId> kids) {
        if (kids.empty()) return nullptr;
        if (kids.size() > kKidBlock / 4) {
            // A very wide node gets a block of its own, so blocks are never mostly wasted.
            auto* block = static_cast<NodeId*>(take(kids.size() * sizeof(NodeId)));
            std::memcpy(block, kids.data(), kids.size() * sizeof(NodeId));
            return block;
        }
        if (kid_left < kids.size()) {
            kid_cur = static_cast<NodeId*>(take(kKidBlock * sizeof(NodeId)));
            kid_left = kKidBlock;
        }
        NodeId* p = kid_cur;
        std::memcpy(p, kids.data(), kids.size() * sizeof(NodeId));
        kid_cur += kids.size();
        kid_left -= kids.size();
        return p;
    }
};

} // namespace symdiff
