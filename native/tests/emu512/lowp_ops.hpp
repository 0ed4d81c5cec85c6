// Test-only: the BF16 / VNNI operations on plain arrays, so one program can hold the
// emulated (lowp_ops_emu.cpp) and, where the CPU has them, the real (lowp_ops_real.cpp)
// instructions side by side (check_lowp_emu.cpp).
#pragma once
#include <cstdint>

namespace lowp_ops {
void dpbf16(const float src[16], const std::uint16_t a[32], const std::uint16_t b[32], float out[16]);
void dpbusd(const std::int32_t src[16], const std::uint8_t a[64], const std::int8_t b[64], std::int32_t out[16]);
void cvtne2(const float a[16], const float b[16], std::uint16_t out[32]);
}  // namespace lowp_ops

namespace lowp_real {  // defined only in builds with the real instructions
void dpbf16(const float src[16], const std::uint16_t a[32], const std::uint16_t b[32], float out[16]);
void dpbusd(const std::int32_t src[16], const std::uint8_t a[64], const std::int8_t b[64], std::int32_t out[16]);
void cvtne2(const float a[16], const float b[16], std::uint16_t out[32]);
}  // namespace lowp_real
