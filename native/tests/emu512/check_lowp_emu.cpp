// Test-only (tests/native/test_lowp_kernels.py): the emulated BF16 / VNNI instructions
// against cases worked out by hand from the instruction reference (denormals in and
// out, round to nearest even, the SDM's order of the two FMAs, wrapping, the ends of
// the byte ranges), and, when built with WITH_REAL (CPU has AVX512_BF16 + VNNI),
// against the real instructions on random inputs, bit for bit. Exit status = failures.
// A VDPBF16PS lane that differs from the silicon is printed with its inputs, both
// outputs and the rules whose change would explain it (explain() below), so the first
// host that disagrees tells us which rule of the emulator is wrong.
//   check_lowp_emu              the hand cases (and, WITH_REAL, the silicon comparison)
//   check_lowp_emu explain      explain() finds each rule it knows on a lane where only
//                               that rule changes the result (a test of the diagnostics)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "lowp_ops.hpp"

#include "check_bits.hpp"

namespace {

using check_bits::bf;
using check_bits::bits;
using check_bits::expect;
using check_bits::failures;

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
    // src = 2^-127 (an f32 denormal) + 2^-63 . 2^-63 = 2^-126 with DAZ, 1.5 . 2^-126
    // without: normal, so FTZ cannot hide a missing DAZ. The odd slot is the first FMA;
    // in the even slot that FMA (0 + src) would be flushed by FTZ even without DAZ.
    const float src_denorm = std::ldexp(1.0f, -127), p63 = std::ldexp(1.0f, -63);
    expect(dp(src_denorm, 0.0f, p63, 0.0f, p63) == std::ldexp(1.0f, -126) &&
               dp(src_denorm, p63, 0.0f, p63, 0.0f) == std::ldexp(1.0f, -126),
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

// ---- Diagnostics: single-rule variants of one VDPBF16PS lane (scalar, independent of
// emu512.h so a bug there cannot hide here). The emulator's model: DAZ on the bf16
// inputs and on src, two FMAs (odd element first), each rounded once to nearest even
// and flushed (FTZ).
struct Model {
    bool daz_in = true, daz_src = true, ftz_mid = true, ftz_out = true, odd_first = true;
    int rounding = 0;  // 0: two rounded FMAs; 1: src + both products, rounded once;
                       // 2: the pair's sum rounded to f32, then added to src
};

float flush_if(bool on, float f) {
    return on && (bits(f) & 0x7f800000u) == 0 ? (std::signbit(f) ? -0.0f : 0.0f) : f;
}

float bf16_value(std::uint16_t h) {
    const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

float lane_model(const Model& md, float src, const std::uint16_t a[2], const std::uint16_t b[2]) {
    const float x0 = flush_if(md.daz_in, bf16_value(a[0])), x1 = flush_if(md.daz_in, bf16_value(a[1]));
    const float y0 = flush_if(md.daz_in, bf16_value(b[0])), y1 = flush_if(md.daz_in, bf16_value(b[1]));
    const float c = flush_if(md.daz_src, src);
    if (md.rounding == 1) {  // products of bf16 are exact in f32; the sum in binary128
        const __float128 sum = static_cast<__float128>(c) + static_cast<__float128>(x0 * y0) +
                               static_cast<__float128>(x1 * y1);
        return flush_if(md.ftz_out, static_cast<float>(sum));
    }
    if (md.rounding == 2) {
        const float pair = flush_if(md.ftz_mid, __builtin_fmaf(x0, y0, x1 * y1));
        return flush_if(md.ftz_out, c + pair);
    }
    const float first = md.odd_first ? __builtin_fmaf(x1, y1, c) : __builtin_fmaf(x0, y0, c);
    const float t = flush_if(md.ftz_mid, first);
    return flush_if(md.ftz_out, md.odd_first ? __builtin_fmaf(x0, y0, t) : __builtin_fmaf(x1, y1, t));
}

struct Variant {
    const char* rule;
    Model model;
};

const Variant VARIANTS[] = {
    {"DAZ on the bf16 inputs (silicon keeps input denormals)", [] { Model m; m.daz_in = false; return m; }()},
    {"DAZ on the accumulator src (silicon keeps a denormal src)", [] { Model m; m.daz_src = false; return m; }()},
    {"FTZ on the output (silicon returns denormals)", [] { Model m; m.ftz_mid = m.ftz_out = false; return m; }()},
    {"FTZ between the two FMAs (silicon keeps the first FMA's denormal)", [] { Model m; m.ftz_mid = false; return m; }()},
    {"order (silicon takes the even element first)", [] { Model m; m.odd_first = false; return m; }()},
    {"rounding (silicon rounds src + both products once)", [] { Model m; m.rounding = 1; return m; }()},
    {"rounding (silicon rounds the pair's sum, then adds src)", [] { Model m; m.rounding = 2; return m; }()},
};

bool same_f32(float p, float q) {
    return std::isnan(p) ? std::isnan(q) : bits(p) == bits(q);
}

// The rules whose change alone turns the documented result into `real` (joined by
// "; "), or "" if none does. A variant that gives the documented bits on this lane
// explains nothing, so it is left out.
std::string explain(float src, const std::uint16_t a[2], const std::uint16_t b[2], float real) {
    const float documented = lane_model(Model{}, src, a, b);
    std::string rules;
    for (const Variant& v : VARIANTS) {
        const float r = lane_model(v.model, src, a, b);
        if (same_f32(r, real) && !same_f32(r, documented)) {
            rules += rules.empty() ? "" : "; ";
            rules += v.rule;
        }
    }
    return rules;
}

void print_mismatch(int lane, float src, const std::uint16_t a[2], const std::uint16_t b[2],
                    float emu, float real) {
    std::printf("  VDPBF16PS lane %d differs: lane += a[%d].b[%d] + a[%d].b[%d]\n", lane,
                2 * lane + 1, 2 * lane + 1, 2 * lane, 2 * lane);
    for (int h = 1; h >= 0; --h) {
        std::printf("    %s  a 0x%04x = %-16a b 0x%04x = %a\n", h ? "odd: " : "even:", a[h],
                    static_cast<double>(bf16_value(a[h])), b[h], static_cast<double>(bf16_value(b[h])));
    }
    std::printf("    src (accumulator in) 0x%08x = %a\n", bits(src), static_cast<double>(src));
    std::printf("    emulator             0x%08x = %a\n", bits(emu), static_cast<double>(emu));
    std::printf("    silicon              0x%08x = %a\n", bits(real), static_cast<double>(real));
    if (same_f32(lane_model(Model{}, src, a, b), real)) {
        std::printf("    probably differs: none of the rules: the silicon gives the documented "
                    "result (DAZ, FTZ, odd then even FMA, RNE), so emu512.h departs from it\n");
        return;
    }
    const std::string rules = explain(src, a, b, real);
    std::printf("    probably differs: %s\n",
                rules.empty() ? "no single rule (DAZ in, DAZ src, FTZ, order, rounding) explains it"
                              : rules.c_str());
}

// For each rule: random lanes until one where that rule alone changes the result; then
// explain() must name it when that variant plays the silicon.
void explain_selftest() {
    std::mt19937 rng(11);
    const Model emulator;
    for (const Variant& v : VARIANTS) {
        bool found = false, named = false;
        for (int it = 0; it < 2000000 && !found; ++it) {
            const int mode = it % 3;
            std::uint16_t a[2], b[2];
            for (int h = 0; h < 2; ++h) {
                std::uint32_t r = rng(), q = rng();
                if (mode == 1) r = (r & 0x803fffffu) | 0x3c000000u, q = (q & 0x803fffffu) | 0x3c000000u;
                if (mode == 2) r &= 0x80ffffffu, q = (q & 0x80ffffffu) | 0x3f000000u;
                a[h] = static_cast<std::uint16_t>(r >> 16);
                b[h] = static_cast<std::uint16_t>(q >> 16);
            }
            std::uint32_t r = rng();
            if (mode == 1) r = (r & 0x807fffffu) | 0x3c000000u;
            if (mode == 2) r &= 0x81ffffffu;
            float src;
            std::memcpy(&src, &r, 4);
            const float want = lane_model(emulator, src, a, b), got = lane_model(v.model, src, a, b);
            if (same_f32(want, got)) continue;
            found = true;
            named = explain(src, a, b, got).find(v.rule) != std::string::npos;
            if (!named) print_mismatch(0, src, a, b, want, got);
        }
        expect(found && named, (std::string("explain() names: ") + v.rule).c_str());
    }
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
                if (bad_bf < 5) {
                    std::printf("  (random vector %d, %s)\n", it,
                                mode == 0 ? "any bits" : mode == 1 ? "moderate exponents" : "near-denormal");
                    print_mismatch(i, src[i], a + 2 * i, b + 2 * i, o1[i], o2[i]);
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
    // The hand DAZ case on the silicon: lane 0 with the product in the odd slot, lane 1
    // in the even slot, src = 2^-127 in both.
    {
        float src[16] = {}, o1[16], o2[16];
        std::uint16_t a[32] = {}, b[32] = {};
        src[0] = src[1] = std::ldexp(1.0f, -127);
        a[1] = b[1] = a[2] = b[2] = bf(std::ldexp(1.0f, -63));
        lowp_ops::dpbf16(src, a, b, o1);
        lowp_real::dpbf16(src, a, b, o2);
        bool ok = true;
        for (int i = 0; i < 16; ++i) {
            if (!same(o1[i], o2[i])) {
                print_mismatch(i, src[i], a + 2 * i, b + 2 * i, o1[i], o2[i]);
                ok = false;
            }
        }
        expect(ok, "dpbf16 DAZ on src (2^-127 + 2^-63 . 2^-63): emulator == silicon");
    }
    expect(bad_bf == 0, "dpbf16 emulator == silicon (20000 random vectors)");
    expect(bad_i8 == 0, "dpbusd emulator == silicon");
    expect(bad_cvt == 0, "cvtne2ps2bf16 emulator == silicon");
}
#endif

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "explain") == 0) {
        explain_selftest();
        return failures;
    }
    hand_cases();
#if WITH_REAL
    against_real();
#endif
    return failures;
}
