// 64-byte aligned heap buffers for baseline code (timing inputs, packing scratch,
// probe arrays). Plain C++ only: no intrinsics, so it is safe to include anywhere.
//
// Large buffers get transparent huge pages the way numpy's arrays do (numpy madvises
// MADV_HUGEPAGE on every allocation of 4 MiB or more): the host BLAS is timed on numpy
// arrays, so our inputs must sit on the same kind of pages for a like-for-like figure.
// With 4 KiB pages a 4096×4096 f32 A costs the packing a TLB miss per 4 KiB, several
// times over when KC cuts each page into pieces visited at different pc steps.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <memory>
#include <new>

namespace mm {

struct FreeDeleter {
    void operator()(void* p) const {
        std::free(p);
    }
};

using AlignedBuffer = std::unique_ptr<void, FreeDeleter>;

// From this size on a buffer is 2 MiB aligned and asks for huge pages (numpy's rule).
inline constexpr std::size_t HUGE_PAGE_FROM = std::size_t{4} << 20;
inline constexpr std::size_t HUGE_PAGE = std::size_t{2} << 20;

// `bytes` rounded up to whole 64-byte lines (at least one); throws std::bad_alloc.
// Buffers of HUGE_PAGE_FROM or more are rounded to whole 2 MiB pages and advised
// MADV_HUGEPAGE (a hint: where THP is off the kernel ignores it).
inline AlignedBuffer aligned_bytes(std::size_t bytes) {
    if (bytes >= HUGE_PAGE_FROM) {
        const std::size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        void* p = std::aligned_alloc(HUGE_PAGE, rounded);
        if (p == nullptr) throw std::bad_alloc();
        (void)madvise(p, rounded, MADV_HUGEPAGE);
        return AlignedBuffer(p);
    }
    std::size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    if (p == nullptr) throw std::bad_alloc();
    return AlignedBuffer(p);
}

}  // namespace mm
