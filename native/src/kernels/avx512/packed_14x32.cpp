// Step 6 of the ladder (f32): the packed, cache-blocked 5-loop GEMM of step 5 with
// a 14×32 AVX-512 micro-kernel. Same portable driver (gemm_loops.cpp), same packed
// layouts, same micro-kernel signature and structure as avx2/packed_6x16.cpp; only
// the register width, the tile and the blocking change.
//
// Timed on an AMD Zen 4 (EPYC, family 25 model 17), where 512-bit FMAs execute as
// two 256-bit halves: the same FLOPs per cycle as AVX2, so this step is not faster
// than avx2.packed_6x16 there (benchmarks/results/ladder.md); on Intel AVX-512 server
// cores with two 512-bit FMA units it is. The tests run it wherever the CPU has
// AVX-512, and tests/native/test_avx512_emulated.py everywhere.
//
// Operation: one full tile C[14×32] = A_panel[14×kc]·B_panel[kc×32] (+ C when
// accumulating over later kc slices), C row-major with leading dimension ldc.
//
// Packed layouts (made by the driver, 64-byte aligned, zero-padded):
//
//   a_packed (MR = 14 rows per panel)         b_packed (NR = 32 columns per panel)
//   p=0: a0 a1 ... a13                        p=0: b0 b1 ... b31   = 2 zmm
//   p=1: a0 a1 ... a13                        p=1: b0 b1 ... b31
//   ...  kc columns of A, 14 floats each      ...  kc rows of B, 32 floats each
//
//   C tile (28 zmm accumulators)
//   c00  c01    <- a0  · [b0..b15 | b16..b31]
//   ...
//   c13,0 c13,1 <- a13 · ...
//
// Register budget: 28 accumulators + 2 B vectors + 1 broadcast = 31 of 32 zmm.
// Why 14×32: the largest tile whose accumulators fit beside one B row of 2 zmm
// (32 - 2 - 1 = 29 ≥ 28). 28 independent FMA chains cover 2 FMA ports × latency
// 4-6 with room to spare, and per k-step 16 loads (2 B + 14 broadcasts) feed 28
// FMAs: well within the one load per FMA that a core with 2 load and 2 FMA ports
// sustains. (6×64 would need 4 B vectors and only 6 broadcasts, but its B
// micro-panel is twice as wide for L1.)
//
// Cache blocks are chosen at run time (mm/blocking.hpp), not here: by default the
// analytical model on the detected caches, KC so the KC×NR B micro-panel fills half
// of L1, MC so the MC×KC A block fills half of L2, NC so the KC×NC B block fills a
// quarter of L3; `sshapp tune` may replace them with measured ones for this CPU.
// The B micro-panel is twice as wide as the AVX2 kernel's, so the same half of a
// 32 KiB L1 gives KC = 128 (Skylake-SP, Zen 4; 48 KiB L1 on Ice Lake-SP / Sapphire
// Rapids gives 192), and MC = 1022 on a 1 MiB L2.
//
// What separates it from the FMA probe (measured on AMD Zen 5, full 512-bit FMAs, by a
// harness around the real driver, best of 12-40 runs with the other core quiet): this
// loop alone, its panels hot, runs at 245-256 GFLOP/s, the probe's figure; inside a
// 2048³ product it gave 204-215. Packing A and B takes 3 %; the rest was C: the same
// product with C left out gave 230-239. C comes from L3 or memory once per KC slice,
// and the tile's own prefetch below is issued too late to hide that, so the driver
// also requests the next call's tile before each call (gemm_loops.cpp): 215 -> 224.
// Deeper KC (384-768 here, twice the model's) halves C's passes again: 227 at KC=768.
//
// What it adds over avx2.packed_6x16: twice the lanes per FMA (16 f32) and twice
// the registers (32 zmm), so a 4.7× larger tile: more FMAs per byte loaded.
#include <immintrin.h>

#include <cstdint>

#include "gemm_loops.hpp"
#include "kernels/avx512/avx512.hpp"

namespace mm::avx512 {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;
constexpr int UNROLL = 2;  // 4 makes GCC spill an accumulator: 31 of 32 zmm are live
constexpr int PF_LINES = (UNROLL * MR * sizeof(float) + 63) / 64;
constexpr int PF_A = 16 * MR;  // prefetch distance in A: 16 k-steps = 896 B

}  // namespace

void ukr_14x32_f32(std::int64_t k,
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
    __m512 c0[MR], c1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    // [lesson:loop]
    // One step of k: 2 B loads, 14 broadcasts, 28 FMAs.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m512 b0 = _mm512_load_ps(b + u * NR);
        const __m512 b1 = _mm512_load_ps(b + u * NR + 16);
#pragma GCC unroll 14
        for (int r = 0; r < MR; ++r) {
            const __m512 av = _mm512_set1_ps(a[u * MR + r]);
            c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
        }
    };
    // [/lesson:loop]
    // Unrolled by UNROLL: fewer loop branches, and A (streaming in from L2) is
    // prefetched PF_A elements ahead, PF_LINES lines per unrolled step
    // (which eats 112 B of A).
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
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) {
        float* cr = c + r * ldc;
        if (accumulate) {
            c0[r] = _mm512_add_ps(c0[r], _mm512_loadu_ps(cr));
            c1[r] = _mm512_add_ps(c1[r], _mm512_loadu_ps(cr + 16));
        }
        _mm512_storeu_ps(cr, c0[r]);
        _mm512_storeu_ps(cr + 16, c1[r]);
    }
}

void gemm_packed_14x32_f32(const GemmArgs& args, const Blocking& blk) {
    gemm_packed<float>(args, blk, ukr_14x32_f32);
}

}  // namespace mm::avx512
