// Hashing shared by Number and Context: the same value on every platform and in every run,
// because structural keys built from it fix the canonical operand order.
#pragma once

#include <cstdint>

namespace symdiff::detail {

// The splitmix64 finaliser: full avalanche in a few operations.
inline std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

} // namespace symdiff::detail
