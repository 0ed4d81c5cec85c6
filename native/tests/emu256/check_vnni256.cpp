// Test-only (tests/native/test_int8_avx2.py): the stand-in VPDPBUSD ymm of emu256.h
// against cases worked out by hand from the instruction reference (u8 255 x s8 -128,
// wrapping past INT32_MAX, the quad sum, lanes independent), and, built with WITH_REAL
// (-mavxvnni, run only where the CPU has AVX-VNNI), against the real VEX instruction
// on random inputs, bit for bit (vnni256_real.cpp, its own translation unit: the real
// <immintrin.h> and this stand-in cannot share one). Exit status = failures.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>

#include "check_bits.hpp"
#include "emu256.h"

// vnni256_real.cpp: the VEX instruction on the same plain arrays.
void dpbusd_real(const std::int32_t src[8], const std::uint8_t a[32], const std::int8_t b[32],
                 std::int32_t out[8]);

namespace {

using check_bits::expect;

void dp(const std::int32_t src[8], const std::uint8_t a[32], const std::int8_t b[32],
        std::int32_t out[8]) {
    __m256i s, x, y;
    std::memcpy(s.v, src, 32);
    std::memcpy(x.v, a, 32);
    std::memcpy(y.v, b, 32);
    const __m256i r = _mm256_dpbusd_avx_epi32(s, x, y);
    std::memcpy(out, r.v, 32);
}

void hand_cases() {
    std::int32_t s[8], out[8];
    std::uint8_t a[32];
    std::int8_t b[32];
    for (int i = 0; i < 8; ++i) s[i] = i == 0 ? INT32_MAX : -7;
    std::memset(a, 255, sizeof a);
    std::memset(b, 0x80, sizeof b);  // -128
    dp(s, a, b, out);
    expect(out[1] == -7 - 4 * 255 * 128 && out[7] == out[1], "dpbusd ymm u8 255 x s8 -128");
    expect(out[0] == static_cast<std::int32_t>(static_cast<std::uint32_t>(INT32_MAX) -
                                               4u * 255u * 128u),
           "dpbusd ymm wraps (no saturation)");
    std::memset(a, 0, sizeof a);
    std::memset(b, 0, sizeof b);
    for (int q = 0; q < 4; ++q) {
        a[28 + q] = static_cast<std::uint8_t>(q + 1);
        b[28 + q] = static_cast<std::int8_t>(q == 2 ? 127 : -1);
    }
    for (auto& x : s) x = 5;
    dp(s, a, b, out);
    expect(out[7] == 5 - 1 - 2 + 3 * 127 - 4 && out[6] == 5 && out[0] == 5,
           "dpbusd ymm quad sum in its own lane");
}

#if WITH_REAL
void against_silicon() {
    std::mt19937 rng(3);
    int differ = 0;
    for (int t = 0; t < 20000; ++t) {
        alignas(32) std::int32_t s[8], emu[8], hw[8];
        alignas(32) std::uint8_t a[32];
        alignas(32) std::int8_t b[32];
        for (auto& x : s) x = static_cast<std::int32_t>(rng());
        for (auto& x : a) x = static_cast<std::uint8_t>(rng());
        for (auto& x : b) x = static_cast<std::int8_t>(rng());
        if (t % 4 == 0) std::memset(a, 255, sizeof a);  // the ends of the ranges
        if (t % 8 == 0) std::memset(b, 0x80, sizeof b);
        dp(s, a, b, emu);
        dpbusd_real(s, a, b, hw);
        for (int j = 0; j < 8; ++j) {
            if (emu[j] != hw[j] && ++differ <= 3) {
                std::printf("  lane %d: src %d, emulator %d, silicon %d\n", j, s[j], emu[j], hw[j]);
            }
        }
    }
    expect(differ == 0, "dpbusd ymm emulator == silicon (20000 random vectors)");
}
#endif

}  // namespace

int main() {
    hand_cases();
#if WITH_REAL
    against_silicon();
#endif
    return check_bits::failures;
}
