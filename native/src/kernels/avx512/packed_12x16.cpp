// Step 6 of the ladder (f32): the packed 5-loop GEMM of step 5 with the AVX2 kernel's
// 256-bit vectors, but AVX-512VL's 32 vector registers: a 12×16 tile of 24 ymm
// accumulators. Same portable driver (gemm_loops.cpp), layouts and structure as
// avx2/packed_6x16.cpp; only MR doubles.
//
// Why this step before the 512-bit one: on cores that execute a 512-bit FMA as two
// 256-bit halves (AMD Zen 4) a zmm does no more FLOPs per cycle than a ymm, so width
// buys nothing there; registers still do. Twice the accumulators per B row means half
// the B loads, C loads/stores and micro-kernel calls per FLOP, and A packed once for
// twice the FMAs. (EVEX encoding reaches ymm16-31; no 512-bit instruction is issued,
// so no frequency licence applies on Intel either.)
//
// Operation: one full tile C[12×16] = A_panel[12×kc]·B_panel[kc×16] (+ C when
// accumulating over later kc slices), C row-major with leading dimension ldc.
//
//   a_packed (MR = 12 rows per panel)         b_packed (NR = 16 columns per panel)
//   p=0: a0 a1 ... a11                        p=0: b0 b1 ... b15   = 2 ymm
//   ...  kc columns of A, 12 floats each      ...  kc rows of B, 16 floats each
//
// Per step p: 2 B loads, 12 broadcasts, 24 FMAs (0.58 loads per FMA; 6×16: 0.67).
// Register budget: 24 accumulators + 2 B vectors + 1 broadcast = 27 of 32 ymm.
//
// Cache blocks are chosen at run time (mm/blocking.hpp), not here: by default the
// analytical model on the detected caches, KC so the KC×NR B micro-panel fills half
// of L1, MC so the MC×KC A block fills half of L2, NC so the KC×NC B block fills a
// quarter of L3; `sshapp tune` may replace them with measured ones for this CPU.
// NR = 16 as in the AVX2 step: KC = 256 on a 32 KiB L1d, MC = 504 on a 1 MiB L2.
//
// What it adds over avx2.packed_6x16: twice the registers (32 ymm), a twice as tall tile.
#include <immintrin.h>

#include <cstdint>

#include "gemm_loops.hpp"
#include "kernels/avx512/avx512.hpp"

namespace mm::avx512 {
namespace {

constexpr int MR = 12;
constexpr int NR = 16;
constexpr int UNROLL = 1;  // more makes GCC shuffle and spill accumulators (32 ymm live)
constexpr int PF_LINES = (UNROLL * MR * sizeof(float) + 63) / 64;
constexpr int PF_A = 16 * MR;  // prefetch distance in A: 16 k-steps = 768 B

}  // namespace

void ukr_12x16_f32(std::int64_t k,
                   const float* a_packed,
                   const float* b_packed,
                   float* c,
                   std::int64_t ldc,
                   bool accumulate) {
    const float* __restrict a = static_cast<const float*>(__builtin_assume_aligned(a_packed, 64));
    const float* __restrict b = static_cast<const float*>(__builtin_assume_aligned(b_packed, 64));
    // Touch the C tile early: its lines arrive while the k loop runs.
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
    __m256 c0[MR], c1[MR];
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
    // One step of k: 2 B loads, 12 broadcasts, 24 FMAs.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m256 b0 = _mm256_load_ps(b + u * NR);
        const __m256 b1 = _mm256_load_ps(b + u * NR + 8);
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
            const __m256 av = _mm256_broadcast_ss(a + u * MR + r);
            c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
        }
    };
    std::int64_t p = 0;
    for (; p + UNROLL <= k; p += UNROLL) {
#pragma GCC unroll 8
        for (int l = 0; l < PF_LINES; ++l) {
            _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 16 * l), _MM_HINT_T0);
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
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
        float* cr = c + r * ldc;
        if (accumulate) {
            c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(cr));
            c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8));
        }
        _mm256_storeu_ps(cr, c0[r]);
        _mm256_storeu_ps(cr + 8, c1[r]);
    }
}

void gemm_packed_12x16_f32(const GemmArgs& args, const Blocking& blk) {
    gemm_packed<float>(args, blk, ukr_12x16_f32);
}

}  // namespace mm::avx512
