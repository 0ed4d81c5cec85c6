// Machine probes, not GEMMs: the VDPBF16PS (AVX512_BF16) and VPDPBUSD (AVX512_VNNI)
// throughput ceilings of one core. Called only when the CPU (after SSHAPP_DISABLE_ISA)
// reports both extensions (the folder's flag set).
//
// Operation: acc[i] = dot(acc[i], a, b) on DOT_PEAK_ACCUMULATORS independent zmm
// registers, `iters` times: throughput, not latency (24 chains cover any known core's
// latency x ports, as in avx512/fma_peak.cpp).
//
// Counting (as oneDNN and PERF_NOTES count): 2 operations per multiply-add, so one zmm
// VDPBF16PS = 16 lanes x 2 pairs x 2 = 64 FLOP, one zmm VPDPBUSD = 16 x 4 x 2 = 128 OP.
// Inputs: bf16 2^-7 (products 2^-14, every lane stays finite and normal); bytes 1 and 1.
#include <immintrin.h>

#include "kernels/avx512_lowp/avx512_lowp.hpp"

namespace mm::avx512_lowp {
namespace {

constexpr int N = DOT_PEAK_ACCUMULATORS;

}  // namespace

float dpbf16_peak(std::int64_t iters) {
    const __m512bh a = (__m512bh)_mm512_set1_epi32(0x3c003c00);
    const __m512bh b = (__m512bh)_mm512_set1_epi32(0x3c003c00);
    __m512 acc[N];
#pragma GCC unroll 24
    for (int i = 0; i < N; ++i) acc[i] = _mm512_set1_ps(0.01f * static_cast<float>(i));
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
        for (int i = 0; i < N; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    }
    __m512 s = acc[0];
#pragma GCC unroll 24
    for (int i = 1; i < N; ++i) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

std::int32_t dpbusd_peak(std::int64_t iters) {
    const __m512i a = _mm512_set1_epi32(0x01010101);
    const __m512i b = _mm512_set1_epi32(0x01010101);
    __v16si acc[N];  // the instruction's own element type keeps them in registers
#pragma GCC unroll 24
    for (int i = 0; i < N; ++i) acc[i] = (__v16si)_mm512_set1_epi32(i);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
        for (int i = 0; i < N; ++i) acc[i] = (__v16si)_mm512_dpbusd_epi32((__m512i)acc[i], a, b);
    }
    __m512i s = (__m512i)acc[0];
#pragma GCC unroll 24
    for (int i = 1; i < N; ++i) s = _mm512_add_epi32(s, (__m512i)acc[i]);
    return _mm512_reduce_add_epi32(s);
}

}  // namespace mm::avx512_lowp
