// Machine probe, not a GEMM: the AVX-VNNI VPDPBUSD (VEX, ymm) throughput ceiling of one
// core, the bound of avxvnni.packed_6x16.int8. Called only when the CPU (after
// SSHAPP_DISABLE_ISA) reports AVX-VNNI.
//
// Operation: acc[i] = dpbusd(acc[i], a, b) on DPBUSD_PEAK_ACCUMULATORS independent ymm
// chains, `iters` times: throughput, not latency (14 chains cover VPDPBUSD's 4-5
// cycles x 2 per cycle; 14 + a + b = 16 ymm).
//
// Counting (as avx512_lowp/dot_peak.cpp): 2 operations per multiply-add, so one ymm
// VPDPBUSD = 8 lanes x 4 x 2 = 64 OP. Inputs: bytes 1 and 1.
#include <immintrin.h>

#include "kernels/avx_vnni/avx_vnni.hpp"

namespace mm::avx_vnni {
namespace {

constexpr int N = DPBUSD_PEAK_ACCUMULATORS;

}  // namespace

std::int32_t dpbusd_peak(std::int64_t iters) {
    const __m256i a = _mm256_set1_epi32(0x01010101);
    const __m256i b = _mm256_set1_epi32(0x01010101);
    __v8si acc[N];
#pragma GCC unroll 14
    for (int i = 0; i < N; ++i) acc[i] = (__v8si)_mm256_set1_epi32(i);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 14
        for (int i = 0; i < N; ++i) {
            acc[i] = (__v8si)_mm256_dpbusd_avx_epi32((__m256i)acc[i], a, b);
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

}  // namespace mm::avx_vnni
