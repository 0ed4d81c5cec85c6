// Step 5 of the ladder (f32): packed, cache-blocked Goto/BLIS GEMM with a 6×16
// AVX2 micro-kernel. The five loops, the packing and the edge tiles live in the
// portable driver (gemm_loops.cpp); this file is the micro-kernel and its blocking.
//
// Operation: one full tile C[6×16] = A_panel[6×kc]·B_panel[kc×16] (+ C when
// accumulating over later kc slices), C row-major with leading dimension ldc.
//
// Packed layouts (made by the driver, 64-byte aligned, zero-padded):
//
//   a_packed (MR = 6 rows per panel)          b_packed (NR = 16 columns per panel)
//   p=0: a0 a1 a2 a3 a4 a5                    p=0: b0 b1 ... b15   = 2 ymm
//   p=1: a0 a1 a2 a3 a4 a5                    p=1: b0 b1 ... b15
//   ...  kc columns of A, 6 floats each       ...  kc rows of B, 16 floats each
//
// Per step p: load b[p, 0:8] and b[p, 8:16] (2 ymm), broadcast each of the 6 a's
// and do 2 FMAs with it: 12 FMAs for 8 loads, all from L1 or L2 and unit stride.
//
//   C tile (12 ymm accumulators)
//   c00 c01    <- a0 · [b0..b7 | b8..b15]
//   c10 c11    <- a1 · ...
//   ...
//   c50 c51    <- a5 · ...
//
// Register budget: 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16 ymm.
// Why 6×16: it is the largest tile whose accumulators fit beside one B row (16 -
// 2 - 1 = 13 ≥ 12); 12 independent FMA chains cover the FMA latency × pipes
// (4 × 2 = 8 on Zen 3, 4 × 2 on Haswell..Ice Lake), and each loaded element feeds
// 6 (B) or 2 (A) FMAs, so the 2 loads/cycle of a core keep up with 2 FMAs/cycle.
//
// Cache blocks are chosen at run time (mm/blocking.hpp), not here: by default the
// analytical model on the detected caches, KC so the KC×NR B micro-panel fills half
// of L1, MC so the MC×KC A block fills half of L2, NC so the KC×NC B block fills a
// quarter of L3; `sshapp tune` may replace them with measured ones for this CPU.
// On Zen 3 / Zen 4 (L1d 32 KiB, L2 512 KiB / 1 MiB) the model gives KC = 256 (B
// micro-panel 256×16×4 B = 16 KiB) and MC = 252 / 510 (A block 252 / 510 KiB); the
// table's PACKED_6X16_F32 holds the Zen 3 values, used only as a reference.
//
// What it adds over avx2.ukr_5x16: packing. Both operands are copied once per cache
// block into the exact order the micro-kernel reads them (unit stride, aligned, no
// page crossing per row), and the three cache blocks keep B's micro-panel in L1,
// A's block in L2 and B's block in L3, so the FMAs no longer wait for memory.
#include <immintrin.h>

#include <cstdint>

#include "gemm_loops.hpp"
#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;
constexpr int UNROLL = 4;
constexpr int PF_A = 32 * MR;  // prefetch distance in A: 32 k-steps = 768 B, ~L2 latency

}  // namespace

void ukr_6x16_f32(std::int64_t k,
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
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
    // [lesson:loop]
    // One step of k: 2 B loads, 6 broadcasts, 12 FMAs.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m256 b0 = _mm256_load_ps(b + u * NR);
        const __m256 b1 = _mm256_load_ps(b + u * NR + 8);
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256 av = _mm256_broadcast_ss(a + u * MR + r);
            c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
        }
    };
    // [/lesson:loop]
    // Unrolled by UNROLL: fewer loop branches, and A (streaming in from L2) is
    // prefetched PF_A elements ahead, 2 lines per unrolled step (it eats 96 B).
    std::int64_t p = 0;
    for (; p + UNROLL <= k; p += UNROLL) {
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A), _MM_HINT_T0);
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
        float* cr = c + r * ldc;
        if (accumulate) {
            c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(cr));
            c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8));
        }
        _mm256_storeu_ps(cr, c0[r]);
        _mm256_storeu_ps(cr + 8, c1[r]);
    }
}

void gemm_packed_6x16_f32(const GemmArgs& args, const Blocking& blk) {
    // A single row is a GEMV: bound by reading B once, so packing B (a full extra
    // copy) and padding the row to MR = 6 only cost. Stream B instead.
    if (args.m == 1) {
        gemv_f32(args);
        return;
    }
    gemm_packed<float>(args, blk, ukr_6x16_f32);
}

}  // namespace mm::avx2
