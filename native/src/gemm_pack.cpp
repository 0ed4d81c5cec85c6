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

// One full panel of an even number of rows MR, p in steps of 4 (f32) or 2 (f64): load
// that many elements from each row, transpose them in SSE2 registers (baseline x86-64,
// no ISA flag needed) and store them contiguously: rows four at a time (f32, with
// _MM_TRANSPOSE4_PS) or two at a time (f64), a last pair of f32 rows with unpacks.
// Stores are whole 16- or 8-byte pieces where the scalar loop writes one element,
// MR·kc of them scattered MR elements apart; that scatter touches the whole panel once
// per row, which stops fitting L1 at large kc (14×1024 f32 = 56 KiB: packing A took 2.9 %
// of a 2048³ product at KC = 1024 on Zen 5, 1.5 % at KC = 384).
template <int MR>
void pack_panel(std::int64_t kc, const float* a, std::int64_t lda, float* dst) {
    static_assert(MR % 2 == 0 && MR >= 4);
    std::int64_t p = 0;
    for (; p + 4 <= kc; p += 4, dst += 4 * MR) {
        int i = 0;
        for (; i + 4 <= MR; i += 4) {
            const float* r = a + i * lda + p;
            __m128 r0 = _mm_loadu_ps(r), r1 = _mm_loadu_ps(r + lda);
            __m128 r2 = _mm_loadu_ps(r + 2 * lda), r3 = _mm_loadu_ps(r + 3 * lda);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);  // r0 = rows i..i+3 at p, r1 at p+1, ...
            _mm_storeu_ps(dst + i, r0);
            _mm_storeu_ps(dst + MR + i, r1);
            _mm_storeu_ps(dst + 2 * MR + i, r2);
            _mm_storeu_ps(dst + 3 * MR + i, r3);
        }
        if (i < MR) {  // the last two rows
            const float* r = a + i * lda + p;
            const __m128 x = _mm_loadu_ps(r), y = _mm_loadu_ps(r + lda);
            const __m128 lo = _mm_unpacklo_ps(x, y);  // x0 y0 x1 y1
            const __m128 hi = _mm_unpackhi_ps(x, y);  // x2 y2 x3 y3
            _mm_storel_pi(reinterpret_cast<__m64*>(dst + i), lo);
            _mm_storeh_pi(reinterpret_cast<__m64*>(dst + MR + i), lo);
            _mm_storel_pi(reinterpret_cast<__m64*>(dst + 2 * MR + i), hi);
            _mm_storeh_pi(reinterpret_cast<__m64*>(dst + 3 * MR + i), hi);
        }
    }
    for (; p < kc; ++p, dst += MR) {
        for (int i = 0; i < MR; ++i) dst[i] = a[i * lda + p];
    }
}

template <int MR>
void pack_panel(std::int64_t kc, const double* a, std::int64_t lda, double* dst) {
    static_assert(MR % 2 == 0 && MR >= 4);
    std::int64_t p = 0;
    for (; p + 2 <= kc; p += 2, dst += 2 * MR) {
        for (int i = 0; i < MR; i += 2) {
            const double* r = a + i * lda + p;
            const __m128d x = _mm_loadu_pd(r), y = _mm_loadu_pd(r + lda);
            _mm_storeu_pd(dst + i, _mm_unpacklo_pd(x, y));
            _mm_storeu_pd(dst + MR + i, _mm_unpackhi_pd(x, y));
        }
    }
    for (; p < kc; ++p, dst += MR) {
        for (int i = 0; i < MR; ++i) dst[i] = a[i * lda + p];
    }
}

// Packs an mc×kc block of A into MR-row panels (see the picture above). The rows
// PACK_PREFETCH_ROWS further down are requested early: a block of A is mc short row
// pieces (1 KiB at KC = 256 f32) whose start addresses the hardware prefetchers
// cannot guess, so without this the packing waits on memory for every row.
// Full panels of even MR (every kernel in the table) take the transposing SSE2 path;
// a last, partial panel copies row by row, each row front to back.
template <typename T, int MR>
void pack_a_panels(std::int64_t mc, std::int64_t kc, const T* a, std::int64_t lda, T* a_packed) {
    for (std::int64_t i = 0; i < std::min(mc, PACK_PREFETCH_ROWS); ++i) {
        prefetch_row(a + i * lda, kc);
    }
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        T* __restrict dst = a_packed + ir * kc;
        if constexpr (MR % 2 == 0) {
            if (mr == MR) {
                for (std::int64_t i = 0; i < MR; ++i) {
                    const std::int64_t ahead = ir + i + PACK_PREFETCH_ROWS;
                    if (ahead < mc) prefetch_row(a + ahead * lda, kc);
                }
                pack_panel<MR>(kc, a + ir * lda, lda, dst);
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
