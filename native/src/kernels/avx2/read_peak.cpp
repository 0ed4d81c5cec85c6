// Machine probe, not a GEMM: how fast one core reads a buffer that stays in one cache
// level (issue 24: the lesson view's L1 / L2 / L3 bandwidths beside the memory triad).
//
// Operation: sum a 64-byte-aligned buffer of n floats `passes` times into 16 independent
// ymm accumulators (vaddps with the load folded in as its memory operand). 16 chains cover
// an add latency of 3-4 cycles at up to 4 loads per cycle, so the loads, not the adds,
// set the pace. 256-bit loads: on cores whose L1 serves two 512-bit loads per cycle this
// is a lower bound of what an AVX-512 kernel can read.
#include <immintrin.h>

#include <cstdint>

#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {

float read_sum_f32(const float* buf, std::int64_t n, std::int64_t passes) {
    constexpr int N = 16;
    __m256 acc[N];
#pragma GCC unroll 16
    for (int u = 0; u < N; ++u) acc[u] = _mm256_setzero_ps();
    for (std::int64_t pass = 0; pass < passes; ++pass) {
        for (std::int64_t i = 0; i + 8 * N <= n; i += 8 * N) {
#pragma GCC unroll 16
            for (int u = 0; u < N; ++u) acc[u] = _mm256_add_ps(acc[u], _mm256_load_ps(buf + i + 8 * u));
        }
    }
    __m256 s = acc[0];
#pragma GCC unroll 16
    for (int u = 1; u < N; ++u) s = _mm256_add_ps(s, acc[u]);
    alignas(32) float out[8];
    _mm256_store_ps(out, s);
    float total = 0;
    for (float v : out) total += v;
    return total;
}

}  // namespace mm::avx2
