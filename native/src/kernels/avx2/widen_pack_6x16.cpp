// Step 2 of the bf16 ladder on AVX2 (after ref.naive.bf16): widen while packing. CPUs
// with AVX2 but no AVX512_BF16 (AMD Zen 2 and 3, Intel client cores, Intel servers
// before Cooper Lake) have no bf16 arithmetic at all, yet a bf16 value is just the upper
// half of an f32: widening is a 16-bit left shift, exact. So this step converts A and B
// to f32 in the packers and runs the f32 ladder's top AVX2 micro-kernel unchanged
// (packed_6x16.cpp, 12 FMA accumulators): the packed panels are exactly the ones that
// kernel reads, so the bf16 product runs at the f32 product's speed, minus the widening,
// which costs nothing measurable: each element of A is widened once per jc block, each
// of B once per pc slice, and both are read from memory at half the bytes of f32.
//
// Operation: C[m x n] = A[m x k] . B[k x n], A and B bfloat16 bit patterns, C float,
// row-major. Every product of two bf16 is exact in f32 and the sums run in f32 FMAs, so
// the result is within the bf16 row of the dtype table (sshapp/kernels/dtypes.py).
//
// Packed layouts (bf16_loops.cpp drives; both 64-byte aligned, zero-padded, f32):
//
//   a_packed (6 rows per panel)              b_packed (16 columns per panel)
//   p=0: f(a0) f(a1) .. f(a5)                p=0: f(b0) f(b1) .. f(b15)   = 2 ymm
//   p=1: ...                                 p=1: ...
//   f(x) = bf16 x << 16, the f32 of x        widened by the loop shown below:
//                                            16 bf16 = 1 ymm load -> 2 ymm of f32
//
// Register budget and inner loop: those of packed_6x16.cpp (12 accumulators + 2 B
// vectors + 1 broadcast = 15 of 16 ymm); its micro-kernel is called as it is, so the
// loop this step adds, the widening, is the one marked for the lesson.
//
// Cache blocks: since the panels hold f32, the f32 kernel's rule holds, with the element
// counted at its packed size (4 bytes), not its input size (2): KC so the KC x 16 B
// micro-panel fills half of L1, MC so the MC x KC A block fills half of L2, NC so the
// KC x NC B block fills a quarter of L3 (mm/blocking.hpp). On Zen 3 (L1d 32 KiB, L2
// 512 KiB): KC 256, MC 252 (the table's reference); on Zen 5 (48 KiB, 1 MiB): KC 384,
// MC 336, NC 5456.
//
// What it costs: the panels are as large as f32 ones, so the bf16 inputs gain nothing in
// cache; the next step keeps B in bf16 (widen_ukr_6x16.cpp). Measured on Zen 5 (one core,
// model blocks, benchmarks/results/avx2_bf16.md): 118.7 / 123.2 GFLOP/s at 1024^3 /
// 2048^3, 1.01x the f32 kernel both times and within 2 % of the next step at every shape
// measured (both at the FMA peak); more than f32 only where f32 waits for memory, e.g. a
// single row (m = 1: the driver streams B as a GEMV, half the bytes of f32).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx2/avx2.hpp"
#include "kernels/avx2/bf16_loops.hpp"

namespace mm::avx2 {
namespace {

constexpr int NR = 16;

// The kc x nc block of B into 16-column panels of f32, one row of 16 per k.
void pack_b_16_widened(std::int64_t kc,
                       std::int64_t nc,
                       const std::uint16_t* b,
                       std::int64_t ldb,
                       void* dst_v) {
    auto* dst = static_cast<float*>(__builtin_assume_aligned(dst_v, 64));
    for (std::int64_t jp = 0; jp < nc; jp += NR) {
        const std::int64_t nr = std::min<std::int64_t>(NR, nc - jp);
        float* __restrict d = dst + jp * kc;
        const std::uint16_t* src = b + jp;
        if (nr == NR) {
            // [lesson:loop]
            for (std::int64_t p = 0; p < kc; ++p, src += ldb, d += NR) {
                // 16 bf16 (32 bytes) -> zero-extend each to 32 bits, shift into the top
                // half: two ymm of f32, columns 0..7 and 8..15.
                const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
                const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 8));
                const __m256i w0 = _mm256_slli_epi32(_mm256_cvtepu16_epi32(lo), 16);
                const __m256i w1 = _mm256_slli_epi32(_mm256_cvtepu16_epi32(hi), 16);
                _mm256_store_ps(d, _mm256_castsi256_ps(w0));
                _mm256_store_ps(d + 8, _mm256_castsi256_ps(w1));
            }
            // [/lesson:loop]
            continue;
        }
        for (std::int64_t p = 0; p < kc; ++p, src += ldb, d += NR) {
            alignas(32) std::uint32_t w[NR] = {};
            for (std::int64_t j = 0; j < nr; ++j) w[j] = static_cast<std::uint32_t>(src[j]) << 16;
            const __m256i* ws = reinterpret_cast<const __m256i*>(w);
            _mm256_store_si256(reinterpret_cast<__m256i*>(d), _mm256_load_si256(ws));
            _mm256_store_si256(reinterpret_cast<__m256i*>(d + 8), _mm256_load_si256(ws + 1));
        }
    }
}

// packed_6x16.cpp's micro-kernel on the widened panels.
void ukr_6x16_widened(std::int64_t k,
                      const void* a_panel,
                      const void* b_panel,
                      float* c,
                      std::int64_t ldc,
                      bool accumulate) {
    ukr_6x16_f32(k, static_cast<const float*>(a_panel), static_cast<const float*>(b_panel), c,
                 ldc, accumulate);
}

constexpr Bf16Panels PANELS{pack_a_6_widened, pack_b_16_widened, ukr_6x16_widened, 4, 4};

}  // namespace

void gemm_widen_pack_6x16_bf16(const GemmArgs& args, const Blocking& blk) {
    gemm_bf16_6x16(args, blk, PANELS);
}

}  // namespace mm::avx2
