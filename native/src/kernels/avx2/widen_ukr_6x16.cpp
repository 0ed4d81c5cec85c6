// Step 3 of the bf16 ladder on AVX2: keep B in bf16 in its packed panels and widen it
// inside the micro-kernel. The previous step (widen_pack_6x16.cpp) widens in the
// packers, so its panels are as large as f32 ones; here the B panels stay 2 bytes an
// element, which halves the cache footprint of what the micro-kernel streams most: the
// KC x 16 B micro-panel that every 6-row tile of a jr step reads again. For the same
// share of L1, KC doubles, so C is loaded and stored half as often (k / KC passes), and
// the packed B block of a jc step takes half the L3 and half the packing stores.
//
// Measured on Zen 5 (L1d 48 KiB, L2 1 MiB; one core, model blocks, avx2_bf16.md):
// 116.5 / 123.1 GFLOP/s at 1024^3 / 2048^3, within 2 % of the previous step at every
// shape (256^3 .. 2048^3 and four skinny ones): both run at the FMA peak there, so the
// cache it saves is not what bounds them. The saving should count where L1/L2 are small
// (Zen 3: 32 KiB / 512 KiB) or B's block outgrows L3; not yet measured on such a CPU.
//
// Operation: C[m x n] = A[m x k] . B[k x n], A and B bfloat16 bit patterns, C float,
// row-major; f32 FMAs on exact widenings, within the dtype table's bf16 bound.
//
// Packed layouts (bf16_loops.cpp drives; zero-padded):
//
//   a_packed (6 rows per panel, f32)      b_packed (16 columns per panel, bf16)
//   p=0: f(a0) .. f(a5)                   p=0: b0 b1 .. b15   (32 bytes)
//   p=1: ...                              p=1: ...
//
//   per k step, for each half h of the B row (8 bf16 = 16 bytes):
//     VPMOVZXWD ymm, m128   8 words -> 8 dwords (zero-extended; the load folds in)
//     VPSLLD    ymm, 16     each bf16 into the top half of its dword: f32 of 8 columns
//
// Measured against the other widening (Zen 5, one core, 1024^3, 5 runs alternating,
// same blocks): VPUNPCK{L,H}WD against a zero register, which needs 2 shuffles per row
// instead of 2 extensions + 2 shifts but a quarter-swapped packed row and a 16th
// register, gave 113.5-117.3 GFLOP/s; this form 117.4-121.3. Which pipes the difference
// comes from cannot be seen here (these VMs expose no performance counters): the form
// kept is the one measured faster.
//
// Why widen B and not A: B's row is widened once per k step and used by 6 broadcasts
// (4 operations per 12 FMAs). A is broadcast element by element: from f32 that is a
// plain load (VBROADCASTSS m32 needs no ALU); from 16 bits it is VPBROADCASTW m16 and a
// VPSLLD by 16 (the word fills both halves of each dword; the shift leaves exactly the
// f32), 6 more broadcast shuffles and 6 shifts per 12 FMAs. Measured on Zen 5 (1024^3,
// 5 runs alternating, same blocks; thread CPU time, the host being loaded): A kept bf16
// too gave 108.6-112.2 GFLOP/s, this kernel 111.9-116.5. Zen 5 has pipes to spare for
// the extra operations, so it costs only ~3 % there, but it buys nothing: A's block
// lives in L2, where twice the bytes cost little. So A is widened in the packer and only
// B, which L1 must hold, stays narrow.
//
// Register budget: 12 accumulators + 2 widened B vectors + 1 broadcast = 15 of 16 ymm,
// as the f32 kernel (the extensions load straight from the panel).
//
// Cache blocks (model, mm/blocking.hpp, with each operand at its packed size: B 2 bytes,
// A 4): KC so the KC x 16 bf16 micro-panel fills half of L1, MC so the MC x KC f32 A block
// fills half of L2, NC so the KC x NC bf16 B block fills a quarter of L3. Zen 3 (L1d
// 32 KiB, L2 512 KiB): KC 512, MC 126 (the table's reference); Zen 5 (48 KiB, 1 MiB): KC
// 768, MC 168, NC 5456.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx2/avx2.hpp"
#include "kernels/avx2/bf16_loops.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;
constexpr int UNROLL = 4;
constexpr int PF_A = 32 * MR;  // prefetch distance in A: 32 k steps (768 B), as the f32 kernel

// The kc x nc block of B into 16-column panels of bf16 (a copy, zero-padded).
void pack_b_16_bf16(std::int64_t kc,
                    std::int64_t nc,
                    const std::uint16_t* b,
                    std::int64_t ldb,
                    void* dst_v) {
    auto* dst = static_cast<std::uint16_t*>(dst_v);
    for (std::int64_t jp = 0; jp < nc; jp += NR) {
        const std::int64_t nr = std::min<std::int64_t>(NR, nc - jp);
        std::uint16_t* __restrict d = dst + jp * kc;
        const std::uint16_t* src = b + jp;
        for (std::int64_t p = 0; p < kc; ++p, src += ldb, d += NR) {
            __m256i x;
            if (nr == NR) {
                x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
            } else {
                alignas(32) std::uint16_t w[NR] = {};
                for (std::int64_t j = 0; j < nr; ++j) w[j] = src[j];
                x = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
            }
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), x);
        }
    }
}

void ukr_6x16_bf16(std::int64_t k,
                   const void* a_panel,
                   const void* b_panel,
                   float* c,
                   std::int64_t ldc,
                   bool accumulate) {
    const float* __restrict a = static_cast<const float*>(__builtin_assume_aligned(a_panel, 64));
    const std::uint16_t* __restrict b =
        static_cast<const std::uint16_t*>(__builtin_assume_aligned(b_panel, 32));
    for (int r = 0; r < MR; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
    __m256 c0[MR], c1[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
    // One step of k: 2 widening loads + 2 shifts, 6 broadcasts, 12 FMAs.
    auto widen8 = [](const std::uint16_t* src) __attribute__((always_inline)) {
        const __m128i h = _mm_load_si128(reinterpret_cast<const __m128i*>(src));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    };
    auto step = [&](int u) __attribute__((always_inline)) {
        const __m256 b0 = widen8(b + u * NR);
        const __m256 b1 = widen8(b + u * NR + 8);
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256 av = _mm256_broadcast_ss(a + u * MR + r);
            c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
        }
    };
    std::int64_t p = 0;
    // [lesson:loop]
    for (; p + UNROLL <= k; p += UNROLL) {
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + PF_A + 16), _MM_HINT_T0);
#pragma GCC unroll 8
        for (int u = 0; u < UNROLL; ++u) step(u);
        a += UNROLL * MR;
        b += UNROLL * NR;
    }
    // [/lesson:loop]
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

constexpr Bf16Panels PANELS{pack_a_6_widened, pack_b_16_bf16, ukr_6x16_bf16, 4, 2};

}  // namespace

void gemm_widen_ukr_6x16_bf16(const GemmArgs& args, const Blocking& blk) {
    gemm_bf16_6x16(args, blk, PANELS);
}

}  // namespace mm::avx2
