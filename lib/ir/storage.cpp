// Interning: each distinct node is made once and stored where it never moves.
#include "ir/storage.hpp"

#include <algorithm>
#include <new>
#include <type_traits>

#include "ir/hash.hpp"
#include "symdiff/diagnostic.hpp"

namespace symdiff {

namespace {

using detail::mix;

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static_assert(std::is_trivially_destructible_v<detail::Node>, "node chunks are freed without destructors");
static_assert(alignof(detail::Node) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "node chunks come from new[]");

} // namespace

Context::Context() : impl_(std::make_unique<Impl>()) {
    if (!impl_->chunks) throw std::bad_alloc();
    chunks_ = impl_->chunks.get();
    chunk_shift_ = kChunkBits;
    chunk_mask_ = (NodeId{1} << kChunkBits) - 1;
    impl_->table.assign(1024, Impl::Slot{kEmpty, 0});
}

Context::~Context() = default;

std::size_t Context::size() const { return impl_->count.load(std::memory_order_acquire); }

namespace detail {

// The hash of a node's payload: its number or its name (0 for other nodes, which have none).
static std::uint64_t payload_hash(Op op, const Number& num, const std::string* name) {
    if (op == Op::Num) return num.hash();
    if (op == Op::Sym) return fnv1a(*name);
    return 0;
}

// Interning hash: identity of the children (ids) plus the payload.
static std::uint64_t intern_hash(Op op, std::span<const NodeId> kids, std::uint64_t payload) {
    std::uint64_t h = mix(static_cast<std::uint64_t>(op) + 0x1234567);
    h ^= payload;
    for (NodeId k : kids) h = mix(h ^ (k + 0x9e3779b97f4a7c15ULL));
    return h;
}

// The structural key: like intern_hash but over the children's keys, so that it depends on
// structure only and never on the order in which nodes happened to be made.
static std::uint64_t structural_key(Op op, std::span<const NodeId> kids, std::uint64_t payload, const Context& ctx) {
    std::uint64_t h = mix(static_cast<std::uint64_t>(op) * 0x100000001b3ULL + 77);
    h ^= payload;
    for (NodeId k : kids) h = mix(h ^ ctx[k].key());
    return h;
}

} // namespace detail

NodeId Context::make_raw(Op op, std::span<const NodeId> kids, const Number& num, const std::string* name) {
    Impl& im = *impl_;
    // One payload hash for both hashes (each xors it in where it did before: same values).
    std::uint64_t payload = detail::payload_hash(op, num, name);
    std::uint64_t h = detail::intern_hash(op, kids, payload);
    std::lock_guard<std::mutex> lock(im.mu);
    std::size_t mask = im.table.size() - 1;
    std::size_t i = h & mask;
    const std::uint32_t tag = Impl::tag_of(h);
    for (;; i = (i + 1) & mask) {
        const Impl::Slot slot = im.table[i];
        if (slot.id == kEmpty) break;
        if (slot.tag != tag) continue;
        NodeId cand = slot.id;
        const detail::Node& n = node(cand);
        if (n.op != op || n.size != kids.size()) continue;
        if (op == Op::Num && !(n.num == num)) continue;
        if (op == Op::Sym && n.name != name) continue;
        if (!kids.empty() && std::memcmp(n.kids, kids.data(), kids.size() * sizeof(NodeId)) != 0) continue;
        return cand;
    }
    NodeId id = im.count.load(std::memory_order_relaxed);
    std::size_t chunk = id >> kChunkBits;
    if (chunk >= kMaxChunks)
        throw Error("too many expression nodes in one context (the limit is " +
                    std::to_string(std::size_t{kMaxChunks} << kChunkBits) + ")");
    if (!im.chunks[chunk])
        im.chunks[chunk] = static_cast<detail::Node*>(im.take(sizeof(detail::Node) << kChunkBits));
    // Chunks are raw bytes; a node's life begins here (and needs no end: trivially destructible).
    detail::Node& n = *new (&im.chunks[chunk][id & chunk_mask_]) detail::Node();
    n.op = op;
    n.size = static_cast<std::uint32_t>(kids.size());
    n.kids = im.store_kids(kids);
    n.num = num;
    n.name = name;
    std::uint32_t height = 0;
    for (NodeId k : kids) height = std::max(height, node(k).height);
    n.height = height + 1;
    n.key = detail::structural_key(op, kids, payload, *this);
    im.table[i] = Impl::Slot{id, tag};
    im.count.store(id + 1, std::memory_order_release);
    if (std::size_t{id + 1} * 2 > im.table.size()) im.rehash(im.table.size() * 2);
    return id;
}

} // namespace symdiff
