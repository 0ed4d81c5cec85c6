// Machine probe, not a GEMM: the AVX2 FMA throughput ceiling of one core.
//
// Operation: acc[i] = acc[i]·mul + add on FMA_PEAK_ACCUMULATORS independent ymm
// registers, `iters` times. Each round is 12 vfmadd231 with no dependency between
// them, so the loop runs at the FMA ports' throughput rather than their latency.
//
// Register budget: 12 accumulators + mul + add = 14 of 16 ymm.
// Why 12: FMA latency is 4 cycles on Zen 3 (4-5 on Intel) with 2 FMA pipes, so at
// least 8-10 chains must be in flight to keep both pipes busy every cycle; 12 leaves
// margin and matches the 12 accumulators of the 6×16 micro-kernel.
// mul just below 1 and a small add keep every lane finite and normal (denormals
// would slow the loop down on some cores).
//
// FLOPs per call: iters × 12 × lanes (8 f32 / 4 f64) × 2.
#include <immintrin.h>

#include "kernels/avx2/avx2.hpp"

namespace mm::avx2 {
namespace {

constexpr int N = FMA_PEAK_ACCUMULATORS;

}  // namespace

float fma_peak_f32(std::int64_t iters, float mul, float add) {
    const __m256 m = _mm256_set1_ps(mul);
    const __m256 a = _mm256_set1_ps(add);
    __m256 acc[N];
#pragma GCC unroll 12
    for (int i = 0; i < N; ++i) acc[i] = _mm256_set1_ps(0.01f * static_cast<float>(i));
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
        for (int i = 0; i < N; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
    }
    __m256 s = acc[0];
#pragma GCC unroll 12
    for (int i = 1; i < N; ++i) s = _mm256_add_ps(s, acc[i]);
    alignas(32) float out[8];
    _mm256_store_ps(out, s);
    float total = 0;
    for (float v : out) total += v;
    return total;
}

double fma_peak_f64(std::int64_t iters, double mul, double add) {
    const __m256d m = _mm256_set1_pd(mul);
    const __m256d a = _mm256_set1_pd(add);
    __m256d acc[N];
#pragma GCC unroll 12
    for (int i = 0; i < N; ++i) acc[i] = _mm256_set1_pd(0.01 * i);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
        for (int i = 0; i < N; ++i) acc[i] = _mm256_fmadd_pd(acc[i], m, a);
    }
    __m256d s = acc[0];
#pragma GCC unroll 12
    for (int i = 1; i < N; ++i) s = _mm256_add_pd(s, acc[i]);
    alignas(32) double out[4];
    _mm256_store_pd(out, s);
    return out[0] + out[1] + out[2] + out[3];
}

}  // namespace mm::avx2
