// Packers for the dot-product kernels (AVX-512 BF16/VNNI and AMX): the caller's
// row-major A and B become 32-bit groups of G consecutive k, zero-padded, in the
// order the instructions read them. Plain C++ with internal linkage: each ISA file
// that includes this gets its own copy compiled with its own flags (no ODR sharing of
// code built for different ISAs); the compiler vectorises the loops where it can.
//
//   group of A row i, k-group g:  A[i][gG] .. A[i][gG+G-1]        (one dword)
//   group of B col j, k-group g:  B[gG][j] .. B[gG+G-1][j]        (one dword, "VNNI")
//
// k beyond the slice is zero in B (so its product is zero whatever A holds there).
//
// Also the drivers' per-thread scratch and wrapping add. They are here, not taken from
// aligned.hpp / gemm_loops.cpp, because those inline functions are shared with baseline
// code: a copy built with this file's ISA flags could be the one the linker keeps.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace mm::lowp {
namespace {

// Grow-only, 64-byte aligned scratch (one per thread and use): the timed loop allocates
// nothing after the warm-up call. From 1 MiB on (the packed B block: 3 MiB at 2048 x 768
// bf16) it is 2 MiB aligned and asks for transparent huge pages, as aligned.hpp does for
// the inputs: where THP is "madvise" (this project's VMs) a 4 KiB-paged block costs the
// micro-kernel a TLB miss per 4 KiB of each B micro-panel it pulls from L3.
class Scratch {
public:
    void* get(std::size_t bytes) {
        if (bytes > size_) {
            constexpr std::size_t HUGE = std::size_t{2} << 20;
            const bool huge = bytes >= HUGE / 2;
            const std::size_t align = huge ? HUGE : 64;
            const std::size_t rounded = (bytes + align - 1) / align * align;
            buf_.reset(std::aligned_alloc(align, rounded));
            if (!buf_) throw std::bad_alloc();
            if (huge) (void)madvise(buf_.get(), rounded, MADV_HUGEPAGE);
            size_ = rounded;
        }
        return buf_.get();
    }

private:
    struct Free {
        void operator()(void* p) const { std::free(p); }
    };
    std::unique_ptr<void, Free> buf_;
    std::size_t size_ = 0;
};

// C += v for the accumulator types: int32 wraps (computed in uint32, no UB).
template <typename Out>
Out add_wrapping(Out x, Out y) {
    if constexpr (std::is_integral_v<Out>) {
        return static_cast<Out>(static_cast<std::uint32_t>(x) + static_cast<std::uint32_t>(y));
    } else {
        return x + y;
    }
}

inline std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

// The dword made of elements src[0 .. count-1] (count <= G; missing ones are zero).
template <typename In, int G>
std::uint32_t group_of(const In* src, std::int64_t count) {
    std::uint32_t w = 0;
    if (count >= G) {
        std::memcpy(&w, src, 4);
    } else {
        std::memcpy(&w, src, static_cast<std::size_t>(count) * sizeof(In));
    }
    return w;
}

// mc x kc block of A into MR-row panels, each `groups` rows of MR dwords:
// panel[g * MR + i] = group g of row i, XORed with a_xor; rows past mc are zero.
template <typename In, int G, int MR>
void pack_a_panels(std::int64_t mc,
                   std::int64_t kc,
                   const In* a,
                   std::int64_t lda,
                   std::uint32_t a_xor,
                   std::uint32_t* a_packed) {
    const std::int64_t groups = (kc + G - 1) / G;
    const std::int64_t full = kc / G;
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        std::uint32_t* __restrict panel = a_packed + ir * groups;
        for (std::int64_t i = 0; i < mr; ++i) {
            const In* __restrict src = a + (ir + i) * lda;
            for (std::int64_t g = 0; g < full; ++g) {
                panel[g * MR + i] = group_of<In, G>(src + g * G, G) ^ a_xor;
            }
            if (full < groups) {
                panel[full * MR + i] = group_of<In, G>(src + full * G, kc - full * G) ^ a_xor;
            }
        }
        for (std::int64_t i = mr; i < MR; ++i) {
            for (std::int64_t g = 0; g < groups; ++g) panel[g * MR + i] = 0;
        }
    }
}

// kc x nc block of B into NR-column panels of `groups_pad` rows of NR dwords
// (groups_pad >= ceil(kc / G); extra rows and columns past nc are zero). With SUM,
// col_sum[j] (j < round_up(nc, NR)) receives the sum of column j of B over the slice
// (int8: the correction term), as an int64 so no k overflows it.
template <typename In, int G, int NR, bool SUM>
void pack_b_panels(std::int64_t kc,
                   std::int64_t nc,
                   const In* b,
                   std::int64_t ldb,
                   std::int64_t groups_pad,
                   std::uint32_t* b_packed,
                   std::int64_t* col_sum) {
    using Bits = std::conditional_t<sizeof(In) == 2, std::uint16_t, std::uint8_t>;
    constexpr int SHIFT = 8 * sizeof(In);
    const std::int64_t full = kc / G;
    for (std::int64_t jp = 0; jp < nc; jp += NR) {
        const std::int64_t nr = std::min<std::int64_t>(NR, nc - jp);
        std::uint32_t* __restrict panel = b_packed + jp * groups_pad;
        std::int64_t sum[NR] = {};
        for (std::int64_t g = 0; g < groups_pad; ++g) {
            std::uint32_t* __restrict row = panel + g * NR;
            const std::int64_t rows = g < full ? G : std::max<std::int64_t>(0, kc - g * G);
            std::uint32_t w[NR] = {};
            for (std::int64_t q = 0; q < rows; ++q) {
                const In* __restrict src = b + (g * G + q) * ldb + jp;
                for (std::int64_t j = 0; j < nr; ++j) {
                    w[j] |= static_cast<std::uint32_t>(static_cast<Bits>(src[j])) << (SHIFT * q);
                    if constexpr (SUM) sum[j] += src[j];
                }
            }
            std::memcpy(row, w, sizeof(w));
        }
        if constexpr (SUM) std::memcpy(col_sum + jp, sum, sizeof(sum));
    }
}

}  // namespace
}  // namespace mm::lowp
