// A step of the int8 ladder (naive -> AVX2 VPMADDWD -> AVX-VNNI -> AVX-512 VNNI -> AMX),
// the one every AVX2 CPU has: the packed, cache-blocked 5-loop GEMM on VPMADDWD. A and B
// signed int8, C int32 (wrapping, as ref.naive.int8 and torch._int_mm), exact over the
// whole range -128..127.
//
// What it adds over ref.naive.int8: everything of the f32 ladder at once (packing,
// cache blocks, a register-blocked micro-kernel), and the one AVX2 instruction that
// multiplies integers and adds the products in a wider type. VPMADDWD
// (_mm256_madd_epi16) multiplies 16 pairs of int16 and adds each pair into one of 8
// int32 lanes; VPADDD then adds that into the accumulator. So each int8 is widened to
// int16 (sign-extended) while it is packed, two consecutive k per 32-bit lane, and one
// VPMADDWD + VPADDD does 16 multiply-adds (32 OP) where one f32 FMA does 8 (16 FLOP):
// up to twice the f32 rate where the core issues VPMADDWD as often as FMA. Measured on
// Zen 5 (one core): VPMADDWD alone 250 GOP/s (2 per cycle), with its VPADDD 219 (the
// probe, avx2/madd_peak.cpp: the VPADDDs take issue slots from it), f32 FMA 124 GFLOP/s.
// Exact: |a b| <= 128 * 128 = 2^14, a pair sum <= 2^15, never the one case VPMADDWD
// wraps (both pairs -32768 * -32768); the int32 adds wrap modulo 2^32 like the oracle.
// Why not VPMADDUBSW (u8 x s8 into int16, twice as dense): it saturates its int16 pair
// sums (255 * 127 * 2 > 32767), so it is not exact for int8; AVX-VNNI (next step,
// avx_vnni/packed_6x16_int8.cpp) is the instruction that does u8 x s8 without that.
//
// Operation: one full tile C[6x16] = A_panel . B_panel (+ C when accumulating).
//
// Packed layouts (dot_loops.hpp, zero-padded, 64-byte aligned):
//   a_packed: per pair p, 6 dwords            b_packed: per pair p, 16 dwords
//   [int16 A_r(2p) | int16 A_r(2p+1)]         [int16 B(2p, j) | int16 B(2p+1, j)]
//   r = 0..5: one broadcast each              j = 0..15: 2 ymm
//
//   C tile (12 ymm accumulators, int32)
//   c00 c01    <- madd(bcast a0, [b0..b7 | b8..b15])
//   ...
//   c50 c51    <- madd(bcast a5, ...)
//
// Register budget: 12 accumulators + 2 B vectors + 1 broadcast + 1 product = 16 ymm.
// VPMADDWD has no accumulating form, so each product needs a register until VPADDD
// adds it: one more than the f32 kernel, and exactly the 16 of AVX2. Why 6x16: the
// largest tile that leaves 4 registers beside its accumulators (4x24 would need 3 B
// vectors and leave no room for the product); 12 independent chains cover VPMADDWD's
// latency + VPADDD (3-5 + 1 cycles) x 2 per cycle; per pair 2 B loads and 6 broadcasts
// feed 12 VPMADDWD, under the 2-3 loads per cycle of these cores.
//
// Cache blocks (KC counts elements of k; a packed element is 2 bytes): the table's
// are the f32 kernel's bytes on a Zen 3 core (L1d 32 KiB, L2 512 KiB, L3 32 MiB):
//   KC = 512:  the B micro-panel 256 pairs x 16 x 4 B = 16 KiB, half of L1;
//   MC = 252:  the A block 252 x 512 x 2 B = 252 KiB, half of L2;
//   NC = 8192: the B block 512 x 8192 x 2 B = 8 MiB, a quarter of L3.
// At run time the blocks come from mm/blocking.hpp (model or `tune`) like any kernel's.
// The model counts an int8 as 1 byte, so on Zen 5 (L1d 48 KiB, L2 1 MiB) it picks
// KC = 1536, MC = 336: a 48 KiB B micro-panel and a 1 MiB A block in int16. Measured
// there at 2048^3 (thread CPU time, one run): six blockings from (252, 512) to
// (336, 1536) all gave 192-197 GOP/s: this kernel is bound by its instructions, not
// its cache blocks, once KC >= 512.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2/avx2_int8.hpp"
#include "kernels/avx2/dot_loops.hpp"

namespace mm::avx2 {
namespace {

using dot256::MR;
using dot256::NR;
constexpr int UNROLL = 4;
constexpr int PF_A = 32 * MR;  // prefetch distance in A: 32 pairs = 768 B ahead

// acc + madd(a, b), the VPMADDWD and the VPADDD kept in the order the loop writes them.
// Integer adds associate, so without the barriers GCC 12 regroups the unrolled k loop
// as acc + (p0 + p1 + p2 + p3) and computes products early: more products live at
// once than registers, and they spill to the stack. An empty volatile asm is opaque to
// the optimiser and stays in program order: each product is made just before its add.
inline __v8si madd_add(__v8si acc, __m256i a, __m256i b) {
    __m256i p = _mm256_madd_epi16(a, b);
    asm volatile("" : "+x"(p));
    __m256i s = _mm256_add_epi32((__m256i)acc, p);
    asm volatile("" : "+x"(s));
    return (__v8si)s;
}

void ukr_6x16_int8(std::int64_t groups,
                   const std::uint32_t* a_packed,
                   const std::uint32_t* b_packed,
                   std::int32_t* c,
                   std::int64_t ldc,
                   bool accumulate,
                   const std::int32_t* /*col_corr: none for pairs*/) {
    const std::uint32_t* __restrict a = a_packed;
    const std::uint32_t* __restrict b =
        static_cast<const std::uint32_t*>(__builtin_assume_aligned(b_packed, 64));
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
    // Accumulators typed as 8 x int32 (__v8si), the lanes the instructions work on,
    // so the compiler keeps the arrays in registers.
    __v8si c0[MR], c1[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = (__v8si)_mm256_setzero_si256();
    // One pair of k: 2 B loads, 6 broadcasts, 12 VPMADDWD + 12 VPADDD.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + u * NR));
        const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + u * NR + 8));
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256i av = _mm256_set1_epi32(static_cast<int>(a[u * MR + r]));
            c0[r] = madd_add(c0[r], av, b0);
            c1[r] = madd_add(c1[r], av, b1);
        }
    };
    std::int64_t p = 0;
    // [lesson:loop]
    for (; p + UNROLL <= groups; p += UNROLL) {
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A), _MM_HINT_T0);
#pragma GCC unroll 4
        for (int u = 0; u < UNROLL; ++u) step(u);
        a += UNROLL * MR;
        b += UNROLL * NR;
    }
    // [/lesson:loop]
    for (; p < groups; ++p) {
        step(0);
        a += MR;
        b += NR;
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
        std::int32_t* cr = c + r * ldc;
        __m256i x0 = (__m256i)c0[r];
        __m256i x1 = (__m256i)c1[r];
        if (accumulate) {
            x0 = _mm256_add_epi32(x0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cr)));
            x1 = _mm256_add_epi32(x1,
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cr + 8)));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(cr), x0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(cr + 8), x1);
    }
}

}  // namespace

void gemm_packed_6x16_int8(const GemmArgs& args, const Blocking& blk) {
    dot256::gemm_6x16<dot256::Pairs>(args, blk, ukr_6x16_int8);
}

}  // namespace mm::avx2
