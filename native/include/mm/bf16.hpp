// bfloat16 as a bit pattern: the upper 16 bits of an IEEE f32. Conversions only,
// constexpr and intrinsic-free, so baseline and ISA-flagged files may both include it.
#pragma once

#include <bit>
#include <cstdint>

namespace mm {

// f32 -> bf16, round to nearest even (what VCVTNE2PS2BF16 and ml_dtypes do). NaN stays
// NaN (quietened); inputs here are finite.
constexpr std::uint16_t bf16_from_f32(float x) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x40);
    const std::uint32_t rounded = bits + 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<std::uint16_t>(rounded >> 16);
}

// bf16 -> f32: exact (the low 16 significand bits are zero).
constexpr float f32_from_bf16(std::uint16_t h) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

}  // namespace mm
