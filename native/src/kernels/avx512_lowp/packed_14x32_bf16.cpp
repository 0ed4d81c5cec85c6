// Step 6 of the ladder (bf16): the packed, cache-blocked 5-loop GEMM on VDPBF16PS
// (AVX512_BF16). A and B are bfloat16, C float: what the f32 kernel does with 16
// multiply-adds per zmm FMA, this does with 32 (16 lanes x one pair of k each), and on
// cores that run VDPBF16PS at the FMA rate (Zen 4) that doubles the f32 peak.
//
// Operation: one full tile C[14x32] = A_panel[14 x kc] . B_panel[kc x 32] (+ C when
// accumulating over later kc slices), as packed_14x32.cpp does for f32.
//
// Packed layouts (lowp_pack.hpp, made by lowp_loops.cpp; zero-padded):
//
//   a_packed: per pair p, 14 dwords        b_packed: per pair p, 32 dwords (VNNI)
//   [A0(2p) A0(2p+1)] ... [A13(2p) ..]     [B(2p,0) B(2p+1,0)] ... [B(2p,31) B(2p+1,31)]
//                                           = 2 zmm of 16 bf16 pairs
//
//   per pair: c[r][0..15]  += dot(bcast(A_r pair), B pairs of columns  0..15)
//             c[r][16..31] += dot(bcast(A_r pair), B pairs of columns 16..31)
//
// Register budget: 28 accumulators + 2 B vectors + 1 broadcast = 31 of 32 zmm, the
// 14x32 tile of the f32 kernel for the same reason: the largest that fits beside one
// B row of 2 zmm. 28 independent chains cover VDPBF16PS latency (6 cycles on Zen 4)
// times its throughput (1 zmm per cycle) with room to spare, and per pair 16 loads
// (2 B + 14 broadcasts, which fold into the instruction as {1to16}) feed 28 dot
// products. Odd k: the last pair holds a zero in B, so A's padding does not matter.
//
// Cache blocks (KC in elements of k), measured on Zen 4 (L1d 32 KiB, L2 1 MiB), one
// core, 1024 and 2048 square: KC 256 / 384 / 512 / 768 gave ~175 / 190 / 192 / 199
// GFLOPS at 2048 (repeat runs move ~5 %):
//   KC = 768:  the B micro-panel 384 pairs x 32 x 4 B = 48 KiB is L2-resident, not L1:
//              it costs 2 zmm loads per 28 dot products, which L2 sustains, while a
//              deep slice halves the passes that load and store the C tile and the
//              micro-kernel's start-up per FLOP (the f32 kernel's 24 KiB L1 rule,
//              KC = 384, measured ~4 % slower here).
//   MC = 168:  the packed A block 168 x 768 x 2 B = 252 KiB stays in L2 beside the B
//              micro-panels (1/4 of 1 MiB).
//   NC = 3072: the packed B block 768 x 3072 x 2 B = 4.5 MiB lives in L3 (32 MiB per
//              CCD on Zen 4).
//
// What separates this kernel from the VDPBF16PS probe, found on the first Zen 5 (EPYC,
// family 26 model 2: L1d 48 KiB, L2 1 MiB, 2 VDPBF16PS zmm per cycle = 482.6 GFLOP/s;
// no performance counters in the guest, so by instruction counts and experiments):
//   - The k loop itself is not it. Per pair GCC emits 2 aligned B loads, 14 VPBROADCASTD
//     loads (not folded as {1to16}: same load-port cost) and 28 VDPBF16PS, plus 2-4
//     register copies per 2 pairs from allocating 31 zmm, which rename absorbs. With C
//     and B in L2 (1008 x 64 x 1024) it ran at 464 GFLOP/s, 96 % of the probe, B packing
//     included.
//   - Packing A costs 2.2 % at 1024^3: the fixed part of the time at n = 32 against
//     n = 64 is 110 us per 1008 x 1024 block (0.1 ns per element), once per product.
//   - The rest is C and the blocks. Every k slice loads and stores the whole C once more,
//     so the half-L1 rule's KC = 384 (192 pairs) made six passes over a 16 MiB C at 2048^3,
//     the last of 128 k only; and a 4 KiB / 8 KiB row stride (ldc 1024 / 2048) puts all
//     14 rows of a tile column in one L1 set of 12 ways, so a tile prefetched into L1 at
//     the start was partly evicted by the time it was added to. Hence: the dot-product
//     rule of the model (mm/blocking.hpp: KC 768, a 48 KiB B micro-panel streamed from
//     L2), slices and row blocks of equal size (mm/slicing.hpp), and C prefetched into L2
//     at the start and into L1 only PF_C pairs before the end (prefetch_tile below).
//   - Register shape: 14 x 32 stays (the most accumulators beside one B row of 2 zmm);
//     the loads per dot product (16 per 28) are far below Zen 5's 2 zmm + 2 more per cycle.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx512_lowp/avx512_lowp.hpp"
#include "kernels/avx512_lowp/lowp_loops.hpp"

namespace mm::avx512_lowp {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;
constexpr int UNROLL = 2;
constexpr int PF_A = 16 * MR;  // prefetch distance in A: 16 pairs ahead (896 B)
constexpr int PF_C = 32;       // groups before the end at which C is pulled into L1

// Prefetch the 14 x 32 tile of C (two lines per row) with hint H.
template <int H>
inline void prefetch_tile(const float* c, std::int64_t ldc) {
    constexpr auto hint = static_cast<_mm_hint>(H);
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), hint);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), hint);
    }
}

void ukr_14x32_bf16(std::int64_t groups,
                    const std::uint32_t* a_packed,
                    const std::uint32_t* b_packed,
                    float* c,
                    std::int64_t ldc,
                    bool accumulate,
                    const std::int32_t* /*col_corr*/) {
    const std::uint32_t* __restrict a = a_packed;
    const std::uint32_t* __restrict b =
        static_cast<const std::uint32_t*>(__builtin_assume_aligned(b_packed, 64));
    // The C tile: into L2 now, into L1 only PF_C groups before the end (see the header).
    prefetch_tile<_MM_HINT_T1>(c, ldc);
    __m512 c0[MR], c1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
    // [lesson:loop]
    // One pair of k: 2 B loads, 14 broadcasts, 28 dot products.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(b + u * NR);
        const __m512bh b1 = (__m512bh)_mm512_load_si512(b + u * NR + 16);
#pragma GCC unroll 14
        for (int r = 0; r < MR; ++r) {
            const __m512bh av = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[u * MR + r]));
            c0[r] = _mm512_dpbf16_ps(c0[r], av, b0);
            c1[r] = _mm512_dpbf16_ps(c1[r], av, b1);
        }
    };
    // [/lesson:loop]
    std::int64_t p = 0;
    const std::int64_t near = groups - PF_C;
    for (; p + UNROLL <= near; p += UNROLL) {
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 16), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int u = 0; u < UNROLL; ++u) step(u);
        a += UNROLL * MR;
        b += UNROLL * NR;
    }
    prefetch_tile<_MM_HINT_T0>(c, ldc);
    for (; p + UNROLL <= groups; p += UNROLL) {
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 16), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int u = 0; u < UNROLL; ++u) step(u);
        a += UNROLL * MR;
        b += UNROLL * NR;
    }
    for (; p < groups; ++p) {
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

}  // namespace

void gemm_packed_14x32_bf16(const GemmArgs& args, const Blocking& blk) {
    gemm_lowp_14x32<Bf16>(args, blk, ukr_14x32_bf16);
}

}  // namespace mm::avx512_lowp
