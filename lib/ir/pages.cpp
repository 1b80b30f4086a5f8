#include "ir/pages.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

namespace symdiff::detail {

namespace {

std::size_t whole_pages(std::size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

// `size` bytes (whole huge pages) of zeroed memory, aligned to kHugePage and advised to be
// backed by huge pages. Backed only where touched.
void* map_pages(std::size_t size) {
    // mmap aligns to 4 KiB only: map one huge page more and give back the ends, so that the
    // block starts on a huge-page boundary and every one of its huge pages can be backed.
    std::size_t span = size + kHugePage;
    void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto start = reinterpret_cast<std::uintptr_t>(raw);
    std::uintptr_t aligned = (start + kHugePage - 1) & ~std::uintptr_t{kHugePage - 1};
    if (std::size_t head = aligned - start) ::munmap(raw, head);
    if (std::size_t tail = span - (aligned - start) - size) ::munmap(reinterpret_cast<void*>(aligned + size), tail);
    // Advice only: where THP is off or unavailable the block stays in ordinary pages.
    ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
}

void unmap_pages(void* p, std::size_t size) noexcept { ::munmap(p, size); }

// Set when this thread's Spare is destroyed: a stack that goes later (a static Context at
// exit) unmaps its regions itself. A plain bool, so it outlives every thread_local object.
thread_local bool spare_gone = false;

// The huge-page regions that stacks of this thread have given back, for the next ones.
class Spare {
public:
    Spare() = default;
    Spare(const Spare&) = delete;
    Spare& operator=(const Spare&) = delete;
    ~Spare() {
        spare_gone = true;
        for (auto [p, n] : regions_) unmap_pages(p, n);
    }
    // A kept region of exactly `size` bytes (a multiple of kHugePage), the latest kept, or null.
    // Users ask for the same sizes parse after parse, so exact sizes are found.
    void* take(std::size_t size) {
        for (std::size_t i = regions_.size(); i-- > 0;) {
            if (regions_[i].second != size) continue;
            void* p = regions_[i].first;
            regions_.erase(regions_.begin() + static_cast<std::ptrdiff_t>(i));
            bytes_ -= size;
            return p;
        }
        return nullptr;
    }
    // The oldest regions go first when the kept ones would exceed kSpare.
    void give(void* p, std::size_t size) noexcept {
        if (size > kSpare) return unmap_pages(p, size);
        while (bytes_ + size > kSpare) {
            unmap_pages(regions_.front().first, regions_.front().second);
            bytes_ -= regions_.front().second;
            regions_.erase(regions_.begin());
        }
        try {
            regions_.emplace_back(p, size);
        } catch (...) {
            return unmap_pages(p, size);
        }
        bytes_ += size;
    }

private:
    std::vector<std::pair<void*, std::size_t>> regions_;
    std::size_t bytes_ = 0;
};

Spare& spare() {
    static thread_local Spare s;
    return s;
}

// Whether region `region` of a stack is from the heap: only the first, if any.
bool from_heap(std::size_t region, std::size_t heap_first) { return region == 0 && heap_first != 0; }

} // namespace

void PageStack::grow(std::size_t bytes) {
    regions_.reserve(regions_.size() + 1);
    void* p;
    std::size_t size;
    // A first block larger than the heap region goes to huge pages like any large one, and the
    // stack then has no heap region: release() tells a region's kind from its place alone.
    if (regions_.empty() && bytes > heap_first_) heap_first_ = 0;
    if (from_heap(regions_.size(), heap_first_)) {
        size = heap_first_;
        p = ::operator new(size, std::align_val_t{64});
    } else {
        size = whole_pages(std::max(std::clamp(mapped_, kHugePage, kMaxRegion), bytes));
        p = take_pages(size);
    }
    regions_.emplace_back(p, size);
    next_ = static_cast<char*>(p);
    left_ = size;
    mapped_ += size;
}

void PageStack::release() noexcept {
    for (std::size_t i = 0; i < regions_.size(); ++i) {
        auto [p, n] = regions_[i];
        if (from_heap(i, heap_first_)) ::operator delete(p, std::align_val_t{64});
        else give_pages(p, n);
    }
}

void* take_pages(std::size_t bytes) {
    std::size_t size = whole_pages(bytes);
    if (size < bytes) throw std::bad_alloc();
    if (void* p = spare_gone ? nullptr : spare().take(size)) return p;
    return map_pages(size);
}

void give_pages(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (spare_gone) return unmap_pages(p, whole_pages(bytes));
    spare().give(p, whole_pages(bytes));
}

} // namespace symdiff::detail
