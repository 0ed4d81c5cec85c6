// Machine probe, not a GEMM: the VPMADDWD throughput ceiling of one core, the bound of
// avx2.packed_6x16.int8 (its "% of peak").
//
// Operation: acc[i] += madd(acc[i], b) on MADD_PEAK_ACCUMULATORS independent ymm
// chains, `iters` times: the instruction pair the int8 micro-kernel issues (VPMADDWD
// then VPADDD), at throughput, not latency. The product reads its own accumulator so
// the compiler cannot hoist a loop-invariant VPMADDWD out of the loop (constant
// operands would be computed once); a chain is then VPMADDWD + VPADDD deep (3-5 + 1
// cycles), and 14 chains keep 2 VPMADDWD per cycle busy on every core we know.
//
// Register budget: 14 accumulators + b + 1 product = 16 ymm.
// Counting (as the FMA and VPDPBUSD probes): 2 operations per multiply-add, so one
// VPMADDWD = 8 lanes x 2 pairs x 2 = 32 OP. The values wrap freely (int32 lanes
// reinterpreted as int16 pairs); only the instruction count matters.
#include <immintrin.h>

#include "kernels/avx2/avx2_int8.hpp"

namespace mm::avx2 {
namespace {

constexpr int N = MADD_PEAK_ACCUMULATORS;

}  // namespace

std::int32_t madd_peak(std::int64_t iters) {
    const __m256i b = _mm256_set1_epi32(0x00010001);
    __v8si acc[N];
#pragma GCC unroll 14
    for (int i = 0; i < N; ++i) acc[i] = (__v8si)_mm256_set1_epi32(i + 1);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 14
        for (int i = 0; i < N; ++i) {
            const __m256i x = (__m256i)acc[i];
            acc[i] = (__v8si)_mm256_add_epi32(x, _mm256_madd_epi16(x, b));
        }
    }
    __m256i s = (__m256i)acc[0];
#pragma GCC unroll 14
    for (int i = 1; i < N; ++i) s = _mm256_add_epi32(s, (__m256i)acc[i]);
    alignas(32) std::uint32_t lanes[8];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), s);
    std::uint32_t sum = 0;
    for (std::uint32_t x : lanes) sum += x;
    return static_cast<std::int32_t>(sum);
}

}  // namespace mm::avx2
