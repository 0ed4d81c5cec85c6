// Packers of the portable five-loop driver (gemm_loops.cpp): blocks of A and B copied
// into the panels the micro-kernel reads. Baseline x86-64 (SSE2 at most), like the driver.
//
// Packed layouts (zero-padded to whole panels, so the micro-kernel never branches):
//
//   a_packed, one panel per MR rows:    b_packed, one panel per NR columns:
//   [a(0,0) a(1,0) .. a(MR-1,0)]        [b(0,0) b(0,1) .. b(0,NR-1)]
//   [a(0,1) a(1,1) .. a(MR-1,1)]        [b(1,0) b(1,1) .. b(1,NR-1)]
//   ... k columns                        ... k rows
#include "gemm_pack.hpp"

#include <emmintrin.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mm {
namespace {

// Prefetches the kc elements of one row of A or B (a 64-byte line at a time).
template <typename T>
void prefetch_row(const T* row, std::int64_t kc) {
    const char* p = reinterpret_cast<const char*>(row);
    const char* end = reinterpret_cast<const char*>(row + kc);
    for (; p < end; p += 64) __builtin_prefetch(p, 0, 3);
}

// Rows of A are this many rows ahead of the one being packed when prefetched.
constexpr std::int64_t PACK_PREFETCH_ROWS = 6;

// One full 6-row panel, p in steps of 4 (f32) or 2 (f64): load that many elements
// from each row, transpose in SSE2 registers (baseline x86-64, no ISA flag needed)
// and store them contiguously. A third of the stores of the scalar loop, which is
// what bounds packing when A is used for few columns (e.g. 4096×64×4096).
void pack_panel_6(std::int64_t kc, const float* a, std::int64_t lda, float* dst) {
    std::int64_t p = 0;
    for (; p + 4 <= kc; p += 4, dst += 24) {
        __m128 r0 = _mm_loadu_ps(a + p), r1 = _mm_loadu_ps(a + lda + p);
        __m128 r2 = _mm_loadu_ps(a + 2 * lda + p), r3 = _mm_loadu_ps(a + 3 * lda + p);
        const __m128 r4 = _mm_loadu_ps(a + 4 * lda + p), r5 = _mm_loadu_ps(a + 5 * lda + p);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);  // r0 = rows 0-3 at p, r1 at p+1, ...
        const __m128 lo = _mm_unpacklo_ps(r4, r5);  // r4p0 r5p0 r4p1 r5p1
        const __m128 hi = _mm_unpackhi_ps(r4, r5);  // r4p2 r5p2 r4p3 r5p3
        _mm_storeu_ps(dst, r0);
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + 4), lo);
        _mm_storeu_ps(dst + 6, r1);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + 10), lo);
        _mm_storeu_ps(dst + 12, r2);
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + 16), hi);
        _mm_storeu_ps(dst + 18, r3);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + 22), hi);
    }
    for (; p < kc; ++p, dst += 6) {
        for (int i = 0; i < 6; ++i) dst[i] = a[i * lda + p];
    }
}

void pack_panel_6(std::int64_t kc, const double* a, std::int64_t lda, double* dst) {
    std::int64_t p = 0;
    for (; p + 2 <= kc; p += 2, dst += 12) {
        const __m128d r0 = _mm_loadu_pd(a + p), r1 = _mm_loadu_pd(a + lda + p);
        const __m128d r2 = _mm_loadu_pd(a + 2 * lda + p), r3 = _mm_loadu_pd(a + 3 * lda + p);
        const __m128d r4 = _mm_loadu_pd(a + 4 * lda + p), r5 = _mm_loadu_pd(a + 5 * lda + p);
        _mm_storeu_pd(dst, _mm_unpacklo_pd(r0, r1));
        _mm_storeu_pd(dst + 2, _mm_unpacklo_pd(r2, r3));
        _mm_storeu_pd(dst + 4, _mm_unpacklo_pd(r4, r5));
        _mm_storeu_pd(dst + 6, _mm_unpackhi_pd(r0, r1));
        _mm_storeu_pd(dst + 8, _mm_unpackhi_pd(r2, r3));
        _mm_storeu_pd(dst + 10, _mm_unpackhi_pd(r4, r5));
    }
    for (; p < kc; ++p, dst += 6) {
        for (int i = 0; i < 6; ++i) dst[i] = a[i * lda + p];
    }
}

// Packs an mc×kc block of A into MR-row panels (see the picture above). The rows
// PACK_PREFETCH_ROWS further down are requested early: a block of A is mc short row
// pieces (1 KiB at KC = 256 f32) whose start addresses the hardware prefetchers
// cannot guess, so without this the packing waits on memory for every row.
// MR = 6 (the AVX2 kernels) has a transposing SSE2 path; other MR copy row by row,
// each row front to back, with stride-MR writes that stay within one panel in L1.
template <typename T, int MR>
void pack_a_panels(std::int64_t mc, std::int64_t kc, const T* a, std::int64_t lda, T* a_packed) {
    for (std::int64_t i = 0; i < std::min(mc, PACK_PREFETCH_ROWS); ++i) {
        prefetch_row(a + i * lda, kc);
    }
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        T* __restrict dst = a_packed + ir * kc;
        if constexpr (MR == 6) {
            if (mr == MR) {
                for (std::int64_t i = 0; i < MR; ++i) {
                    const std::int64_t ahead = ir + i + PACK_PREFETCH_ROWS;
                    if (ahead < mc) prefetch_row(a + ahead * lda, kc);
                }
                pack_panel_6(kc, a + ir * lda, lda, dst);
                continue;
            }
        }
        for (std::int64_t i = 0; i < mr; ++i) {
            const std::int64_t ahead = ir + i + PACK_PREFETCH_ROWS;
            if (ahead < mc) prefetch_row(a + ahead * lda, kc);
            const T* __restrict src = a + (ir + i) * lda;
            for (std::int64_t p = 0; p < kc; ++p) dst[p * MR + i] = src[p];
        }
        for (std::int64_t i = mr; i < MR; ++i) {  // last, partial panel: zero rows
            for (std::int64_t p = 0; p < kc; ++p) dst[p * MR + i] = T(0);
        }
    }
}

// Packs a kc×nc block of B into NR-column panels. Row p of B is read once, front to
// back (a sequential stream; walking down a panel instead would touch a new page
// per row, where prefetchers stop), and scattered in NR-wide pieces to the panels.
template <typename T, int NR>
void pack_b_panels(std::int64_t kc, std::int64_t nc, const T* b, std::int64_t ldb, T* b_packed) {
    const std::int64_t full = nc / NR * NR;
    for (std::int64_t p = 0; p < kc; ++p) {
        const T* src = b + p * ldb;
        T* dst = b_packed + p * NR;
        for (std::int64_t jr = 0; jr < full; jr += NR) {
            std::memcpy(dst + jr * kc, src + jr, sizeof(T) * NR);
        }
        if (full < nc) {  // last, partial panel: zero columns right of the matrix
            T* row = dst + full * kc;
            std::int64_t j = 0;
            for (; j < nc - full; ++j) row[j] = src[full + j];
            for (; j < NR; ++j) row[j] = T(0);
        }
    }
}

}  // namespace

// The packers for one register block, chosen once per call. Register blocks of every
// kernel in the table are listed; anything else is a programming error.
template <typename T>
PackFn<T> a_packer(int MR) {
    switch (MR) {
        case 4: return pack_a_panels<T, 4>;
        case 6: return pack_a_panels<T, 6>;
        case 8: return pack_a_panels<T, 8>;
        case 12: return pack_a_panels<T, 12>;
        case 14: return pack_a_panels<T, 14>;
        case 16: return pack_a_panels<T, 16>;
        default: throw std::logic_error("gemm_packed: no A packer for MR=" + std::to_string(MR));
    }
}

template <typename T>
PackFn<T> b_packer(int NR) {
    switch (NR) {
        case 8: return pack_b_panels<T, 8>;
        case 16: return pack_b_panels<T, 16>;
        case 24: return pack_b_panels<T, 24>;
        case 32: return pack_b_panels<T, 32>;
        case 48: return pack_b_panels<T, 48>;
        case 64: return pack_b_panels<T, 64>;
        default: throw std::logic_error("gemm_packed: no B packer for NR=" + std::to_string(NR));
    }
}

template PackFn<float> a_packer<float>(int MR);
template PackFn<double> a_packer<double>(int MR);
template PackFn<float> b_packer<float>(int NR);
template PackFn<double> b_packer<double>(int NR);

}  // namespace mm
