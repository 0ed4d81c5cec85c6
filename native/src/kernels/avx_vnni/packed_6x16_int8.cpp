// A step of the int8 ladder (naive -> AVX2 VPMADDWD -> AVX-VNNI -> AVX-512 VNNI -> AMX):
// the packed, cache-blocked 5-loop GEMM on AVX-VNNI, the VEX form of VPDPBUSD on
// 256-bit registers (Alder Lake and later, Sapphire Rapids, Zen 5; not Zen 4, whose
// VNNI is AVX-512 only). A and B signed int8, C int32 (wrapping, as ref.naive.int8).
//
// What it adds over avx2.packed_6x16.int8: one instruction per multiply-add step
// instead of two, on bytes instead of int16. VPDPBUSD multiplies 4 consecutive bytes
// of k and adds all four products into the int32 accumulator lane itself: 32
// multiply-adds (64 OP) per ymm instruction, where VPMADDWD + VPADDD did 16 in two.
// The packed panels hold bytes again (half the bytes of the int16 pairs: twice the k
// per cache line). Same signedness trick as the AVX-512 kernel
// (avx512_lowp/packed_14x32_int8.cpp): VPDPBUSD is u8 x s8, so A is packed as
// a + 128 (XOR 0x80 per byte: -128 -> 0, 127 -> 255) and since
//   sum_k (a + 128) b = sum_k a b + 128 sum_k b,
// the driver sums each column of B while packing it and the micro-kernel subtracts
// 128 * colsum(B) from every row of the tile. VPDPBUSD wraps (only VPDPBUSDS
// saturates) and a u8 x s8 product is at most 255 * 128, so the result is the exact
// sum modulo 2^32 over the whole int8 range.
//
// Operation: one full tile C[6x16] = A_panel . B_panel (+ C when accumulating).
//
// Packed layouts (avx2/dot_loops.hpp, zero-padded, 64-byte aligned):
//   a_packed: per quad q, 6 dwords            b_packed: per quad q, 16 dwords (VNNI)
//   [A_r(4q..4q+3) ^ 0x80808080]              [B(4q..4q+3, j)] for j = 0..15 = 2 ymm
//
// Register budget: 12 int32 accumulators + 2 B vectors + 1 broadcast = 15 of 16 ymm,
// the f32 6x16 kernel's (VPDPBUSD accumulates in place, like FMA). Why 6x16: as for
// f32, the largest tile beside one B row; 12 chains cover VPDPBUSD's latency x
// throughput (4-5 cycles x 2 per cycle); per quad 2 B loads and 6 broadcasts feed 12
// VPDPBUSD.
//
// Cache blocks (KC in elements of k; a packed element is 1 byte), the f32 kernel's
// bytes on a Zen 3-sized core (L1d 32 KiB, L2 512 KiB, L3 32 MiB):
//   KC = 1024: the B micro-panel 256 quads x 16 x 4 B = 16 KiB, half of L1;
//   MC = 252:  the A block 252 x 1024 x 1 B = 252 KiB, half of L2;
//   NC = 8192: the B block 1024 x 8192 x 1 B = 8 MiB, a quarter of L3.
// At run time the blocks come from mm/blocking.hpp (model or `tune`) like any kernel's.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2/dot_loops.hpp"
#include "kernels/avx_vnni/avx_vnni.hpp"

namespace mm::avx_vnni {
namespace {

using dot256::MR;
using dot256::NR;
constexpr int UNROLL = 4;
constexpr int PF_A = 32 * MR;  // prefetch distance in A: 32 quads = 768 B ahead

void ukr_6x16_int8(std::int64_t groups,
                   const std::uint32_t* a_packed,
                   const std::uint32_t* b_packed,
                   std::int32_t* c,
                   std::int64_t ldc,
                   bool accumulate,
                   const std::int32_t* col_corr) {
    const std::uint32_t* __restrict a = a_packed;
    const std::uint32_t* __restrict b =
        static_cast<const std::uint32_t*>(__builtin_assume_aligned(b_packed, 64));
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
    // Accumulators typed as 8 x int32 (__v8si), the instruction's lanes, so the
    // compiler keeps the arrays in registers.
    __v8si c0[MR], c1[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = (__v8si)_mm256_setzero_si256();
    // One quad of k: 2 B loads, 6 broadcasts, 12 dot products.
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + u * NR));
        const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + u * NR + 8));
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256i av = _mm256_set1_epi32(static_cast<int>(a[u * MR + r]));
            c0[r] = (__v8si)_mm256_dpbusd_avx_epi32((__m256i)c0[r], av, b0);
            c1[r] = (__v8si)_mm256_dpbusd_avx_epi32((__m256i)c1[r], av, b1);
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
    const __m256i k0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_corr));
    const __m256i k1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_corr + 8));
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
        std::int32_t* cr = c + r * ldc;
        __m256i x0 = _mm256_sub_epi32((__m256i)c0[r], k0);
        __m256i x1 = _mm256_sub_epi32((__m256i)c1[r], k1);
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
    dot256::gemm_6x16<dot256::Quads>(args, blk, ukr_6x16_int8);
}

}  // namespace mm::avx_vnni
