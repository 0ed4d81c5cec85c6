// Test-only: the real AVX-VNNI VPDPBUSD ymm (VEX) on plain arrays, for check_vnni256.cpp
// (built with -mavx2 -mavxvnni, run only where the CPU has AVX-VNNI).
#include <immintrin.h>

#include <cstdint>

void dpbusd_real(const std::int32_t src[8], const std::uint8_t a[32], const std::int8_t b[32],
                 std::int32_t out[8]) {
    const __m256i r = _mm256_dpbusd_avx_epi32(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), r);
}
