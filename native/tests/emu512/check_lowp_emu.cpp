// Test-only (tests/native/test_lowp_kernels.py): the emulated BF16 / VNNI instructions
// against cases worked out by hand from the instruction reference (denormals in and
// out, round to nearest even, the SDM's order of the two FMAs, wrapping, the ends of
// the byte ranges), and, when built with WITH_REAL (CPU has AVX512_BF16 + VNNI),
// against the real instructions on random inputs, bit for bit. Exit status = failures.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>

#include "lowp_ops.hpp"

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    std::printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) ++failures;
}

std::uint16_t bf(float f) {  // exact bf16 of a value that has one
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<std::uint16_t>(u >> 16);
}

std::uint32_t bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

// Lane 0 of VDPBF16PS with pairs (a0, a1) . (b0, b1) onto src.
float dp(float src, float a0, float a1, float b0, float b1) {
    float s[16] = {src}, out[16];
    std::uint16_t a[32] = {bf(a0), bf(a1)}, b[32] = {bf(b0), bf(b1)};
    lowp_ops::dpbf16(s, a, b, out);
    return out[0];
}

void hand_cases() {
    const float denorm = std::ldexp(1.0f, -130);  // a bf16 denormal
    expect(dp(0.0f, 1.0f, 1.0f, 2.0f, 3.0f) == 5.0f, "dpbf16 pair sum");
    expect(dp(1.0f, denorm, 0.0f, 1.0f, 0.0f) == 1.0f && dp(0.0f, denorm, 0.0f, 1.0f, 0.0f) == 0.0f,
           "dpbf16 input denormal treated as zero");
    const float tiny = std::ldexp(1.0f, -70);
    const float r = dp(0.0f, tiny, 0.0f, tiny, 0.0f);  // 2^-140: a denormal result
    expect(r == 0.0f && !std::signbit(r), "dpbf16 output denormal flushed to zero");
    expect(dp(std::ldexp(1.0f, -127), 0, 0, 0, 0) == 0.0f,
           "dpbf16 denormal accumulator treated as zero");
    const float h = std::ldexp(1.0f, -24);  // half an ulp of 1
    expect(dp(1.0f, h, 0.0f, 1.0f, 0.0f) == 1.0f, "dpbf16 tie rounds to even (down)");
    expect(dp(1.0f + 2 * h, h, 0.0f, 1.0f, 0.0f) == 1.0f + 4 * h, "dpbf16 tie rounds to even (up)");
    // Odd element first, each FMA rounded: 1 + h -> 1, then 1 + h -> 1. Summing the
    // pair first (2h) would give 1 + 2h.
    expect(dp(1.0f, h, h, 1.0f, 1.0f) == 1.0f, "dpbf16 two rounded FMAs, odd element first");

    std::int32_t s[16], out[16];
    std::uint8_t a[64];
    std::int8_t b[64];
    for (int i = 0; i < 16; ++i) s[i] = i == 0 ? INT32_MAX : -7;
    std::memset(a, 255, sizeof a);
    std::memset(b, 0x80, sizeof b);  // -128
    lowp_ops::dpbusd(s, a, b, out);
    expect(out[1] == -7 - 4 * 255 * 128, "dpbusd u8 255 x s8 -128");
    expect(out[0] == static_cast<std::int32_t>(static_cast<std::uint32_t>(INT32_MAX) -
                                               4u * 255u * 128u),
           "dpbusd wraps (no saturation)");
    std::memset(a, 0, sizeof a);
    for (int q = 0; q < 4; ++q) {
        a[q] = static_cast<std::uint8_t>(q + 1);
        b[q] = static_cast<std::int8_t>(q == 2 ? 127 : -1);
    }
    s[0] = 0;
    lowp_ops::dpbusd(s, a, b, out);
    expect(out[0] == -1 - 2 + 3 * 127 - 4, "dpbusd quad sum");

    float x[16] = {}, y[16] = {};
    x[0] = 1.0f + std::ldexp(1.0f, -8);       // tie: 1.0 (even)
    x[1] = 1.0f + 3 * std::ldexp(1.0f, -8);   // tie: 1 + 2^-6 (even)
    x[2] = NAN;
    y[0] = -2.5f;
    std::uint16_t c[32];
    lowp_ops::cvtne2(x, y, c);
    expect(c[16] == bf(1.0f) && c[17] == bf(1.0f + std::ldexp(1.0f, -6)) && c[0] == bf(-2.5f),
           "cvtne2ps2bf16 round to nearest even, b in the low half");
    expect((c[18] & 0x7f80) == 0x7f80 && (c[18] & 0x7f) != 0, "cvtne2ps2bf16 NaN stays NaN");
}

#if WITH_REAL
// Random bit patterns (any exponent: denormals, overflow, huge cancellations), bit for
// bit against the silicon. NaNs are compared as "both NaN".
void against_real() {
    std::mt19937 rng(3);
    int bad_bf = 0, bad_i8 = 0, bad_cvt = 0;
    auto same = [](float p, float q) { return std::isnan(p) ? std::isnan(q) : bits(p) == bits(q); };
    for (int it = 0; it < 20000; ++it) {
        float src[16], o1[16], o2[16], fa[16], fb[16];
        std::uint16_t a[32], b[32], c1[32], c2[32];
        const int mode = it % 3;  // full range, moderate exponents, denormal-ish
        for (int i = 0; i < 32; ++i) {
            std::uint32_t r = rng();
            if (mode == 1) r = (r & 0x803fffffu) | 0x3c000000u;
            if (mode == 2) r &= 0x80ffffffu;
            a[i] = static_cast<std::uint16_t>(r >> 16);
            b[i] = static_cast<std::uint16_t>(rng() >> 16);
            if (mode != 0) b[i] = static_cast<std::uint16_t>((b[i] & 0x803f) | (mode == 1 ? 0x3c00 : 0));
        }
        for (int i = 0; i < 16; ++i) {
            std::uint32_t r = rng();
            if (mode == 1) r = (r & 0x807fffffu) | 0x3c000000u;
            if (mode == 2) r &= 0x81ffffffu;
            std::memcpy(&src[i], &r, 4);
            std::uint32_t r2 = rng(), r3 = rng();
            std::memcpy(&fa[i], &r2, 4);
            std::memcpy(&fb[i], &r3, 4);
        }
        lowp_ops::dpbf16(src, a, b, o1);
        lowp_real::dpbf16(src, a, b, o2);
        for (int i = 0; i < 16; ++i) {
            if (!same(o1[i], o2[i])) {
                if (bad_bf < 3) {
                    std::printf("  dpbf16 lane %d: emu %a real %a (src %a a %04x %04x b %04x %04x)\n",
                                i, o1[i], o2[i], src[i], a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]);
                }
                ++bad_bf;
            }
        }
        std::int32_t s8[16], r1[16], r2[16];
        std::uint8_t ua[64];
        std::int8_t sb[64];
        for (auto& v : s8) v = static_cast<std::int32_t>(rng());
        for (auto& v : ua) v = static_cast<std::uint8_t>(rng());
        for (auto& v : sb) v = static_cast<std::int8_t>(rng());
        lowp_ops::dpbusd(s8, ua, sb, r1);
        lowp_real::dpbusd(s8, ua, sb, r2);
        bad_i8 += std::memcmp(r1, r2, sizeof r1) != 0;
        lowp_ops::cvtne2(fa, fb, c1);
        lowp_real::cvtne2(fa, fb, c2);
        for (int i = 0; i < 32; ++i) {
            const bool nan1 = (c1[i] & 0x7f80) == 0x7f80 && (c1[i] & 0x7f) != 0;
            const bool nan2 = (c2[i] & 0x7f80) == 0x7f80 && (c2[i] & 0x7f) != 0;
            if (nan1 ? !nan2 : c1[i] != c2[i]) {
                if (bad_cvt < 3) std::printf("  cvtne2 %d: emu %04x real %04x\n", i, c1[i], c2[i]);
                ++bad_cvt;
            }
        }
    }
    std::printf("mismatches: dpbf16 %d lanes, dpbusd %d vectors, cvtne2 %d\n", bad_bf, bad_i8, bad_cvt);
    expect(bad_bf == 0, "dpbf16 emulator == silicon (20000 random vectors)");
    expect(bad_i8 == 0, "dpbusd emulator == silicon");
    expect(bad_cvt == 0, "cvtne2ps2bf16 emulator == silicon");
}
#endif

}  // namespace

int main() {
    hand_cases();
#if WITH_REAL
    against_real();
#endif
    return failures;
}
