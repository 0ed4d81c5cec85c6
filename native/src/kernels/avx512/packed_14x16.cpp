// Step 6 of the ladder (f64): the packed, cache-blocked 5-loop GEMM with a 14×16
// AVX-512 micro-kernel. packed_14x32.cpp with doubles: a zmm holds 8 of them, so
// NR halves to 16. Same driver, layouts, signature and structure as the AVX2 step.
//
// Timed on an AMD Zen 4, where it is not faster than avx2.packed_6x8 (512-bit FMAs
// run as two 256-bit halves there; see packed_14x32.cpp).
//
// Operation: one full tile C[14×16] = A_panel[14×kc]·B_panel[kc×16] (+ C when
// accumulating over later kc slices), C row-major with leading dimension ldc.
//
// Packed layouts (made by the driver, 64-byte aligned, zero-padded):
//
//   a_packed (MR = 14 rows per panel)         b_packed (NR = 16 columns per panel)
//   p=0: a0 a1 ... a13                        p=0: b0 b1 ... b15   = 2 zmm
//   ...  kc columns of A, 14 doubles each     ...  kc rows of B, 16 doubles each
//
//   C tile (28 zmm accumulators)
//   c00  c01    <- a0  · [b0..b7 | b8..b15]
//   ...
//   c13,0 c13,1 <- a13 · ...
//
// Register budget: 28 accumulators + 2 B vectors + 1 broadcast = 31 of 32 zmm.
// Why 14×16: the same 28-accumulator shape as the f32 kernel (see packed_14x32.cpp).
//
// Cache blocks are chosen at run time (mm/blocking.hpp), not here: by default the
// analytical model on the detected caches, KC so the KC×NR B micro-panel fills half
// of L1, MC so the MC×KC A block fills half of L2, NC so the KC×NC B block fills a
// quarter of L3; `sshapp tune` may replace them with measured ones for this CPU.
// Same bytes as the f32 kernel: KC = 128 on a 32 KiB L1, MC = 504 on a 1 MiB L2.
//
// What it adds over avx2.packed_6x8: 8 f64 lanes per FMA instead of 4, and 28
// accumulators instead of 12.
#include <immintrin.h>

#include <cstdint>

#include "gemm_loops.hpp"
#include "kernels/avx512/avx512.hpp"

namespace mm::avx512 {
namespace {

constexpr int MR = 14;
constexpr int NR = 16;
constexpr int UNROLL = 2;  // 4 makes GCC spill an accumulator: 31 of 32 zmm are live
constexpr int PF_LINES = (UNROLL * MR * sizeof(double) + 63) / 64;
constexpr int PF_A = 16 * MR;  // prefetch distance in A: 16 k-steps = 1.75 KiB

}  // namespace

void ukr_14x16_f64(std::int64_t k,
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
    __m512d c0[MR], c1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm512_setzero_pd();
    // [lesson:loop]
    // One step of k: 2 B loads, 14 broadcasts, 28 FMAs.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m512d b0 = _mm512_load_pd(b + u * NR);
        const __m512d b1 = _mm512_load_pd(b + u * NR + 8);
#pragma GCC unroll 14
        for (int r = 0; r < MR; ++r) {
            const __m512d av = _mm512_set1_pd(a[u * MR + r]);
            c0[r] = _mm512_fmadd_pd(av, b0, c0[r]);
            c1[r] = _mm512_fmadd_pd(av, b1, c1[r]);
        }
    };
    // [/lesson:loop]
    // Unrolled by UNROLL: fewer loop branches, and A (streaming in from L2) is
    // prefetched PF_A elements ahead, PF_LINES lines per unrolled step
    // (which eats 224 B of A).
    std::int64_t p = 0;
    for (; p + UNROLL <= k; p += UNROLL) {
#pragma GCC unroll 8
        for (int l = 0; l < PF_LINES; ++l) {
            _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 8 * l), _MM_HINT_T0);
        }
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
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) {
        double* cr = c + r * ldc;
        if (accumulate) {
            c0[r] = _mm512_add_pd(c0[r], _mm512_loadu_pd(cr));
            c1[r] = _mm512_add_pd(c1[r], _mm512_loadu_pd(cr + 8));
        }
        _mm512_storeu_pd(cr, c0[r]);
        _mm512_storeu_pd(cr + 8, c1[r]);
    }
}

void gemm_packed_14x16_f64(const GemmArgs& args, const Blocking& blk) {
    gemm_packed<double>(args, blk, ukr_14x16_f64);
}

}  // namespace mm::avx512
