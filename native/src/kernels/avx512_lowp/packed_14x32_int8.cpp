// Step 6 of the ladder (int8): the packed, cache-blocked 5-loop GEMM on VPDPBUSD
// (AVX512_VNNI). A and B signed int8, C int32 (wrapping, as AMX TDPBSSD and
// torch._int_mm): one zmm instruction does 64 multiply-adds (16 lanes x a quad of k),
// four times the f32 FMA.
//
// The signedness trick (oneDNN's): VPDPBUSD multiplies *unsigned* bytes of its first
// source by *signed* bytes of its second. So A is shifted into u8 while it is packed,
// a + 128 (XOR 0x80 per byte, exact for -128..127: -128 -> 0, 127 -> 255), and since
//   sum_k (a + 128) b = sum_k a b + 128 sum_k b,
// the driver sums each column of B while packing it and the micro-kernel subtracts
// 128 * colsum(B) from every row of the tile. All of it is int32 wrapping arithmetic,
// so the result equals the exact sum modulo 2^32 for the whole int8 range; the u8 x s8
// products (at most 255 * 128) never saturate (VPDPBUSD wraps; only VPDPBUSDS saturates).
//
// Operation: one full tile C[14x32] = A_panel . B_panel (+ C when accumulating).
//
// Packed layouts (lowp_pack.hpp, made by lowp_loops.cpp; zero-padded):
//   a_packed: per quad q, 14 dwords        b_packed: per quad q, 32 dwords (VNNI)
//   [A_r(4q..4q+3) ^ 0x80808080]           [B(4q..4q+3, j)] for j = 0..31 = 2 zmm
//
// Register budget and tile: 28 int32 accumulators + 2 B + 1 broadcast = 31 zmm, the
// 14x32 block of the bf16 kernel (same reasons: 28 chains cover VPDPBUSD's latency x
// throughput, 16 loads per 28 instructions).
//
// Cache blocks (KC in elements of k), measured on Zen 4 like the bf16 kernel, and for
// the same reasons (same bytes: a quad of int8 is a pair of bf16): KC 768 / 1024 / 1536
// gave ~384 / 397 / 388-419 GOPS at 2048, ~389 / 411 / 411 at 1024.
//   KC = 1536: the B micro-panel 384 quads x 32 x 4 B = 48 KiB, L2-resident.
//   MC = 168:  the packed A block 168 x 1536 x 1 B = 252 KiB stays in L2.
//   NC = 3072: the packed B block 1536 x 3072 x 1 B = 4.5 MiB lives in L3.
//
// On the first Zen 5 (EPYC, family 26 model 2; VPDPBUSD 962.5 GOP/s) the same findings as
// in packed_14x32_bf16.cpp hold, for the same bytes: the k loop is near the probe, and
// the gap is C (passes over it, the 4 KiB L1-set aliasing of its rows) and short
// remainder blocks, closed by the dot-product rule (KC 1536 = 384 quads), equal slices
// and the late C prefetch. The A + 128 correction costs one XOR per packed dword (free
// in the packing loop) and one column-sum pass over the B block per k slice (fused into
// pack_b_panels); the tile's 28 VPSUBDs run once per micro-kernel call, 28 of the
// 28 x 384 instructions of a slice.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx512_lowp/avx512_lowp.hpp"
#include "kernels/avx512_lowp/lowp_loops.hpp"

namespace mm::avx512_lowp {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;
constexpr int UNROLL = 2;
constexpr int PF_A = 16 * MR;
constexpr int PF_C = 32;       // groups before the end at which C is pulled into L1

// Prefetch the 14 x 32 tile of C (two lines per row) with hint H.
template <int H>
inline void prefetch_tile(const std::int32_t* c, std::int64_t ldc) {
    constexpr auto hint = static_cast<_mm_hint>(H);
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), hint);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), hint);
    }
}

void ukr_14x32_int8(std::int64_t groups,
                    const std::uint32_t* a_packed,
                    const std::uint32_t* b_packed,
                    std::int32_t* c,
                    std::int64_t ldc,
                    bool accumulate,
                    const std::int32_t* col_corr) {
    const std::uint32_t* __restrict a = a_packed;
    const std::uint32_t* __restrict b =
        static_cast<const std::uint32_t*>(__builtin_assume_aligned(b_packed, 64));
    // The C tile: into L2 now, into L1 only PF_C groups before the end (see the header).
    prefetch_tile<_MM_HINT_T1>(c, ldc);
    // Accumulators typed as the instruction's 16 x int32 (__v16si), not __m512i
    // (8 x int64): with the latter GCC 12 cannot keep the type-punned array in
    // registers and spills half of it to the stack inside the k loop.
    __v16si c0[MR], c1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = (__v16si)_mm512_setzero_si512();
    // [lesson:loop]
    // One quad of k: 2 B loads, 14 broadcasts, 28 dot products.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m512i b0 = _mm512_load_si512(b + u * NR);
        const __m512i b1 = _mm512_load_si512(b + u * NR + 16);
#pragma GCC unroll 14
        for (int r = 0; r < MR; ++r) {
            const __m512i av = _mm512_set1_epi32(static_cast<int>(a[u * MR + r]));
            c0[r] = (__v16si)_mm512_dpbusd_epi32((__m512i)c0[r], av, b0);
            c1[r] = (__v16si)_mm512_dpbusd_epi32((__m512i)c1[r], av, b1);
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
    const __m512i k0 = _mm512_loadu_si512(col_corr);
    const __m512i k1 = _mm512_loadu_si512(col_corr + 16);
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) {
        std::int32_t* cr = c + r * ldc;
        __m512i x0 = _mm512_sub_epi32((__m512i)c0[r], k0);
        __m512i x1 = _mm512_sub_epi32((__m512i)c1[r], k1);
        if (accumulate) {
            x0 = _mm512_add_epi32(x0, _mm512_loadu_si512(cr));
            x1 = _mm512_add_epi32(x1, _mm512_loadu_si512(cr + 16));
        }
        _mm512_storeu_si512(cr, x0);
        _mm512_storeu_si512(cr + 16, x1);
    }
}

}  // namespace

void gemm_packed_14x32_int8(const GemmArgs& args, const Blocking& blk) {
    gemm_lowp_14x32<Int8>(args, blk, ukr_14x32_int8);
}

}  // namespace mm::avx512_lowp
