// Test-only: lowp_ops.hpp on the emulator (emu512.h).
#include "lowp_ops.hpp"

#include "emu512.h"

namespace lowp_ops {
void dpbf16(const float src[16], const std::uint16_t a[32], const std::uint16_t b[32], float out[16]) {
    __m512 s = _mm512_loadu_ps(src);
    __m512bh x, y;
    std::memcpy(x.v, a, 64);
    std::memcpy(y.v, b, 64);
    _mm512_storeu_ps(out, _mm512_dpbf16_ps(s, x, y));
}
void dpbusd(const std::int32_t src[16], const std::uint8_t a[64], const std::int8_t b[64], std::int32_t out[16]) {
    _mm512_storeu_si512(out, _mm512_dpbusd_epi32(_mm512_loadu_si512(src), _mm512_loadu_si512(a), _mm512_loadu_si512(b)));
}
void cvtne2(const float a[16], const float b[16], std::uint16_t out[32]) {
    __m512bh r = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(a), _mm512_loadu_ps(b));
    std::memcpy(out, r.v, 64);
}
}  // namespace lowp_ops
