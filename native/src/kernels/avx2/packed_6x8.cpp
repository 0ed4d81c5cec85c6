// Step 5 of the ladder (f64): packed, cache-blocked Goto/BLIS GEMM with a 6×8 AVX2
// micro-kernel. The five loops, the packing and the edge tiles live in the portable
// driver (gemm_loops.cpp); this file is the micro-kernel and its blocking. It is
// packed_6x16.cpp with doubles: a ymm holds 4 of them, so NR halves to 8.
//
// Operation: one full tile C[6×8] = A_panel[6×kc]·B_panel[kc×8] (+ C when
// accumulating over later kc slices), C row-major with leading dimension ldc.
//
// Packed layouts (made by the driver, 64-byte aligned, zero-padded):
//
//   a_packed (MR = 6 rows per panel)          b_packed (NR = 8 columns per panel)
//   p=0: a0 a1 a2 a3 a4 a5                    p=0: b0 b1 ... b7   = 2 ymm
//   p=1: a0 a1 a2 a3 a4 a5                    p=1: b0 b1 ... b7
//   ...  kc columns of A, 6 doubles each      ...  kc rows of B, 8 doubles each
//
//   C tile (12 ymm accumulators)
//   c00 c01    <- a0 · [b0..b3 | b4..b7]
//   ...
//   c50 c51    <- a5 · ...
//
// Register budget: 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16 ymm.
// Why 6×8: the same 12-accumulator shape as the f32 kernel (see packed_6x16.cpp):
// the largest that fits beside one B row, with enough independent FMA chains.
//
// Cache blocks are chosen at run time (mm/blocking.hpp), not here: by default the
// analytical model on the detected caches, KC so the KC×NR B micro-panel fills half
// of L1, MC so the MC×KC A block fills half of L2, NC so the KC×NC B block fills a
// quarter of L3; `sshapp tune` may replace them with measured ones for this CPU.
// With doubles the same bytes give KC = 256 (B micro-panel 256×8×8 B = 16 KiB) and
// MC half the f32 value (126 on Zen 3, 252 on Zen 4).
//
// What it adds over avx2.ukr_6x8.f64: packing and cache blocking; see packed_6x16.cpp.
#include <immintrin.h>

#include <cstdint>

#include "gemm_loops.hpp"
#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 6;
constexpr int NR = 8;
constexpr int UNROLL = 4;
constexpr int PF_A = 32 * MR;  // prefetch distance in A: 32 k-steps = 1.5 KiB

}  // namespace

void ukr_6x8_f64(std::int64_t k,
                 const double* a_packed,
                 const double* b_packed,
                 double* c,
                 std::int64_t ldc,
                 bool accumulate) {
    const double* __restrict a =
        static_cast<const double*>(__builtin_assume_aligned(a_packed, 64));
    const double* __restrict b =
        static_cast<const double*>(__builtin_assume_aligned(b_packed, 64));
    // Touch the C tile early: its lines arrive while the k loop runs.
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
    __m256d c0[MR], c1[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_pd();
    // [lesson:loop]
    // One step of k: 2 B loads, 6 broadcasts, 12 FMAs.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m256d b0 = _mm256_load_pd(b + u * NR);
        const __m256d b1 = _mm256_load_pd(b + u * NR + 4);
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256d av = _mm256_broadcast_sd(a + u * MR + r);
            c0[r] = _mm256_fmadd_pd(av, b0, c0[r]);
            c1[r] = _mm256_fmadd_pd(av, b1, c1[r]);
        }
    };
    // [/lesson:loop]
    // Unrolled by UNROLL: fewer loop branches, and A (streaming in from L2) is
    // prefetched PF_A elements ahead, 3 lines per unrolled step (it eats 192 B).
    std::int64_t p = 0;
    for (; p + UNROLL <= k; p += UNROLL) {
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 8), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 16), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int u = 0; u < UNROLL; ++u) step(u);
        a += UNROLL * MR;
        b += UNROLL * NR;
    }
    for (; p < k; ++p) {
        step(0);
        a += MR;
        b += NR;
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
        double* cr = c + r * ldc;
        if (accumulate) {
            c0[r] = _mm256_add_pd(c0[r], _mm256_loadu_pd(cr));
            c1[r] = _mm256_add_pd(c1[r], _mm256_loadu_pd(cr + 4));
        }
        _mm256_storeu_pd(cr, c0[r]);
        _mm256_storeu_pd(cr + 4, c1[r]);
    }
}

void gemm_packed_6x8_f64(const GemmArgs& args, const Blocking& blk) {
    // A single row is a GEMV: bound by reading B once, so packing B (a full extra
    // copy) and padding the row to MR = 6 only cost. Stream B instead.
    if (args.m == 1) {
        gemv_f64(args);
        return;
    }
    gemm_packed<double>(args, blk, ukr_6x8_f64);
}

}  // namespace mm::avx2
