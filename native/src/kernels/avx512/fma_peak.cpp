// Machine probe, not a GEMM: the AVX-512 FMA throughput ceiling of one core.
// Compiled wherever the compiler accepts AVX-512 flags; called only when the CPU
// (after SSHAPP_DISABLE_ISA) reports AVX512F.
//
// Operation: acc[i] = acc[i]·mul + add on FMA_PEAK_ACCUMULATORS independent zmm
// registers, `iters` times, so the loop runs at FMA throughput, not latency.
//
// Register budget: 24 accumulators + mul + add = 26 of 32 zmm.
// Why 24: with 2 FMA ports of latency 4 (Intel server cores) 8 chains suffice in
// theory, but cores that split a zmm FMA or have latency 6 (Zen 4 double-pumps
// 512-bit FMAs) need more in flight; 24 covers every known core and mirrors the
// 24-28 accumulators of an AVX-512 micro-kernel.
//
// FLOPs per call: iters × 24 × lanes (16 f32 / 8 f64) × 2.
#include <immintrin.h>

#include "kernels/avx512/avx512.hpp"

namespace mm::avx512 {
namespace {

constexpr int N = FMA_PEAK_ACCUMULATORS;

}  // namespace

float fma_peak_f32(std::int64_t iters, float mul, float add) {
    const __m512 m = _mm512_set1_ps(mul);
    const __m512 a = _mm512_set1_ps(add);
    __m512 acc[N];
#pragma GCC unroll 24
    for (int i = 0; i < N; ++i) acc[i] = _mm512_set1_ps(0.01f * static_cast<float>(i));
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
        for (int i = 0; i < N; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
    }
    __m512 s = acc[0];
#pragma GCC unroll 24
    for (int i = 1; i < N; ++i) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

double fma_peak_f64(std::int64_t iters, double mul, double add) {
    const __m512d m = _mm512_set1_pd(mul);
    const __m512d a = _mm512_set1_pd(add);
    __m512d acc[N];
#pragma GCC unroll 24
    for (int i = 0; i < N; ++i) acc[i] = _mm512_set1_pd(0.01 * i);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
        for (int i = 0; i < N; ++i) acc[i] = _mm512_fmadd_pd(acc[i], m, a);
    }
    __m512d s = acc[0];
#pragma GCC unroll 24
    for (int i = 1; i < N; ++i) s = _mm512_add_pd(s, acc[i]);
    return _mm512_reduce_add_pd(s);
}

}  // namespace mm::avx512
