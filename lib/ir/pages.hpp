// Memory straight from the kernel, for the few large blocks of a big parse or Context.
//
// Why: on the paravirtualised machines symdiff is developed and benchmarked on, a page fault
// costs about 10 µs, and parsing 1 MiB of text touches some 60 MB. In 4 KiB pages that is
// ~15,000 faults, more time than the parse itself (bench/README "## Parser"). The same memory
// in 2 MiB transparent huge pages is a few dozen faults. Linux gives huge pages to a mapping
// that asks for them (madvise(MADV_HUGEPAGE)) when THP is set to `madvise`, the default of
// many distributions; elsewhere the request is a no-op and the pages are ordinary ones.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace symdiff::detail {

/// The size of a transparent huge page on x86-64, and the unit of take_pages.
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

/// Bytes in huge-page regions that a thread keeps for reuse (give_pages): 128 MiB, the
/// regions of one parse of about 2 MiB of text (1 MiB needs about 70 MB; with a cap of 64 MiB
/// the regions of successive 1 MiB parses evicted each other, and each parse faulted afresh).
inline constexpr std::size_t kSpare = std::size_t{128} << 20;

/// `bytes`, rounded up to whole huge pages, aligned to kHugePage and advised to be backed by
/// huge pages: a region of that size that this thread gave back (give_pages), or else fresh
/// pages from mmap, backed only where touched. Not zeroed. Throws std::bad_alloc.
void* take_pages(std::size_t bytes);

/// Keeps a block of take_pages for the next take_pages of its size on this thread, up to
/// kSpare bytes (the oldest are unmapped first); unmaps it when the thread's store is gone.
/// A program that parses large inputs one after another so reuses the pages of the last
/// one, where unmapping them would have the kernel fault in and zero fresh ones each time.
/// The kept pages stay resident: the price is at most kSpare per thread.
void give_pages(void* p, std::size_t bytes) noexcept;

/// Blocks of kLargeBlock and more come from take_pages, smaller ones from operator new: for
/// buffers that are small in most programs and very large in a few (the intern table of a
/// Context, the operands of a very long sum, the operator chains of a syntax tree).
inline constexpr std::size_t kLargeBlock = std::size_t{1} << 20;

inline void* allocate_block(std::size_t bytes) {
    return bytes >= kLargeBlock ? take_pages(bytes) : ::operator new(bytes);
}

/// Frees a block of allocate_block, given the size it was asked for.
inline void free_block(void* p, std::size_t bytes) noexcept {
    if (bytes >= kLargeBlock) return give_pages(p, bytes);
    ::operator delete(p);
}

/// A std::allocator through allocate_block.
template <typename T>
struct PageAllocator {
    using value_type = T;
    PageAllocator() = default;
    template <typename U>
    PageAllocator(const PageAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(allocate_block(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { free_block(p, n * sizeof(T)); }
    template <typename U>
    bool operator==(const PageAllocator<U>&) const noexcept {
        return true;
    }
};

/// Blocks cut one after another from large regions and given back all at once, when the
/// stack goes. The first region, of `heap_first` bytes, is from the heap, which a small user
/// (most Contexts, most parses) finds warm and touches a little of; each later one is as
/// large as all before it together (at least kHugePage, at most kMaxRegion) and in huge pages
/// from take_pages, so a large user faults once per 2 MiB and wastes at most the tail of a
/// region.
class PageStack {
public:
    static constexpr std::size_t kMaxRegion = std::size_t{64} << 20;

    /// `heap_first` 0: every region in huge pages.
    explicit PageStack(std::size_t heap_first) : heap_first_(heap_first) {}
    PageStack(const PageStack&) = delete;
    PageStack& operator=(const PageStack&) = delete;
    ~PageStack() { release(); }

    /// `bytes` of memory aligned to 64 bytes, valid until the stack is destroyed.
    void* take(std::size_t bytes) {
        bytes = (bytes + 63) & ~std::size_t{63};
        if (bytes > left_) grow(bytes);
        void* p = next_;
        next_ += bytes;
        left_ -= bytes;
        return p;
    }

private:
    void grow(std::size_t bytes);
    void release() noexcept;
    std::vector<std::pair<void*, std::size_t>> regions_;
    char* next_ = nullptr;
    std::size_t left_ = 0;
    std::size_t mapped_ = 0;
    std::size_t heap_first_;
};

} // namespace symdiff::detail
