// Test-only: lowp_ops.hpp on the real instructions (built with -mavx512bf16
// -mavx512vnni, run only where the CPU has them).
#include <immintrin.h>

#include <cstring>

#include "lowp_ops.hpp"

namespace lowp_real {
void dpbf16(const float src[16], const std::uint16_t a[32], const std::uint16_t b[32], float out[16]) {
    const __m512bh x = (__m512bh)_mm512_loadu_si512(a);
    const __m512bh y = (__m512bh)_mm512_loadu_si512(b);
    _mm512_storeu_ps(out, _mm512_dpbf16_ps(_mm512_loadu_ps(src), x, y));
}
void dpbusd(const std::int32_t src[16], const std::uint8_t a[64], const std::int8_t b[64], std::int32_t out[16]) {
    _mm512_storeu_si512(out, _mm512_dpbusd_epi32(_mm512_loadu_si512(src), _mm512_loadu_si512(a), _mm512_loadu_si512(b)));
}
void cvtne2(const float a[16], const float b[16], std::uint16_t out[32]) {
    const __m512bh r = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(a), _mm512_loadu_ps(b));
    std::memcpy(out, &r, 64);
}
}  // namespace lowp_real
