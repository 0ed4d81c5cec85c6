// Scalar stand-ins for the few AVX-512 intrinsics the packed AVX-512 kernels use
// (F, and below BF16 / VNNI for the low-precision kernels),
// so their source (loops, indexing, tails, accumulate, alignment of packed loads)
// can be checked on a CPU without AVX-512. Aligned loads trap when misaligned,
// as the real instruction faults. Test-only: never part of the module.
#pragma once
#include <xmmintrin.h>
#include <cstring>
struct __m512 { float v[16]; };
struct __m512d { double v[8]; };
inline __m512 _mm512_setzero_ps() { __m512 r; for (auto& x : r.v) x = 0; return r; }
inline __m512d _mm512_setzero_pd() { __m512d r; for (auto& x : r.v) x = 0; return r; }
inline __m512 _mm512_set1_ps(float a) { __m512 r; for (auto& x : r.v) x = a; return r; }
inline __m512d _mm512_set1_pd(double a) { __m512d r; for (auto& x : r.v) x = a; return r; }
inline __m512 _mm512_load_ps(const float* p) { if ((reinterpret_cast<unsigned long>(p) & 63) != 0) __builtin_trap(); __m512 r; std::memcpy(r.v, p, 64); return r; }
inline __m512d _mm512_load_pd(const double* p) { if ((reinterpret_cast<unsigned long>(p) & 63) != 0) __builtin_trap(); __m512d r; std::memcpy(r.v, p, 64); return r; }
inline __m512 _mm512_loadu_ps(const float* p) { __m512 r; std::memcpy(r.v, p, 64); return r; }
inline __m512d _mm512_loadu_pd(const double* p) { __m512d r; std::memcpy(r.v, p, 64); return r; }
inline void _mm512_storeu_ps(float* p, __m512 a) { std::memcpy(p, a.v, 64); }
inline void _mm512_storeu_pd(double* p, __m512d a) { std::memcpy(p, a.v, 64); }
inline __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) { for (int i = 0; i < 16; ++i) c.v[i] = __builtin_fmaf(a.v[i], b.v[i], c.v[i]); return c; }
inline __m512d _mm512_fmadd_pd(__m512d a, __m512d b, __m512d c) { for (int i = 0; i < 8; ++i) c.v[i] = __builtin_fma(a.v[i], b.v[i], c.v[i]); return c; }
inline __m512 _mm512_add_ps(__m512 a, __m512 b) { for (int i = 0; i < 16; ++i) a.v[i] += b.v[i]; return a; }
inline __m512d _mm512_add_pd(__m512d a, __m512d b) { for (int i = 0; i < 8; ++i) a.v[i] += b.v[i]; return a; }

// ---- AVX-512 BF16 and VNNI (the low-precision kernels), exact to the instruction
// reference (Intel SDM vol. 2, "Operation" of VDPBF16PS, VPDPBUSD, VCVTNE2PS2BF16).
#include <cstdint>
struct __m512i { std::uint32_t v[16]; };  // 16 x 32-bit; wrapping arithmetic in uint32
using __v16si = __m512i;                  // the kernels' accumulator type
struct __m512bh {                         // 32 x bf16 bit patterns
    std::uint16_t v[32];
    __m512bh() = default;
    __m512bh(const __m512i& x) { std::memcpy(v, x.v, 64); }  // the kernels' (__m512bh) cast
};
inline __m512i _mm512_setzero_si512() { __m512i r; for (auto& x : r.v) x = 0; return r; }
inline __m512i _mm512_set1_epi32(int a) { __m512i r; for (auto& x : r.v) x = static_cast<std::uint32_t>(a); return r; }
inline __m512i _mm512_load_si512(const void* p) { if ((reinterpret_cast<unsigned long>(p) & 63) != 0) __builtin_trap(); __m512i r; std::memcpy(r.v, p, 64); return r; }
inline __m512i _mm512_loadu_si512(const void* p) { __m512i r; std::memcpy(r.v, p, 64); return r; }
inline void _mm512_storeu_si512(void* p, __m512i a) { std::memcpy(p, a.v, 64); }
inline __m512i _mm512_add_epi32(__m512i a, __m512i b) { for (int i = 0; i < 16; ++i) a.v[i] += b.v[i]; return a; }
inline __m512i _mm512_sub_epi32(__m512i a, __m512i b) { for (int i = 0; i < 16; ++i) a.v[i] -= b.v[i]; return a; }

namespace emu512 {
inline float bits_f32(std::uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
inline std::uint32_t f32_bits(float f) { std::uint32_t u; std::memcpy(&u, &f, 4); return u; }
// DAZ / FTZ: a denormal (exponent field zero, fraction not) becomes a zero of its sign.
inline float flush(float f) { std::uint32_t u = f32_bits(f); return (u & 0x7f800000u) == 0 ? bits_f32(u & 0x80000000u) : f; }
inline float bf16_f32(std::uint16_t h) { return flush(bits_f32(static_cast<std::uint32_t>(h) << 16)); }
// One f32 FMA of the BF16 instructions: DAZ inputs, round to nearest even once, FTZ output.
inline float fma_bf16(std::uint16_t a, std::uint16_t b, float c) { return flush(__builtin_fmaf(bf16_f32(a), bf16_f32(b), flush(c))); }
// VCVTNE2PS2BF16 element: round to nearest even; NaN stays NaN (quiet), denormals -> zero.
inline std::uint16_t f32_bf16(float f) {
    std::uint32_t u = f32_bits(flush(f));
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}
}  // namespace emu512

// Lane j += a[2j+1]·b[2j+1], then += a[2j]·b[2j] (two FMAs, the SDM's order).
inline __m512 _mm512_dpbf16_ps(__m512 src, __m512bh a, __m512bh b) {
    for (int j = 0; j < 16; ++j) {
        float t = emu512::fma_bf16(a.v[2 * j + 1], b.v[2 * j + 1], src.v[j]);
        src.v[j] = emu512::fma_bf16(a.v[2 * j], b.v[2 * j], t);
    }
    return src;
}
// Lane j += sum over q < 4 of u8(a.byte[4j+q]) · s8(b.byte[4j+q]), wrapping (no saturation).
inline __m512i _mm512_dpbusd_epi32(__m512i src, __m512i a, __m512i b) {
    unsigned char ab[64], bb[64];
    std::memcpy(ab, a.v, 64);
    std::memcpy(bb, b.v, 64);
    for (int j = 0; j < 16; ++j) {
        std::uint32_t s = 0;
        for (int q = 0; q < 4; ++q) s += static_cast<std::uint32_t>(ab[4 * j + q] * static_cast<std::int32_t>(static_cast<signed char>(bb[4 * j + q])));
        src.v[j] += s;
    }
    return src;
}
// Elements 0..15 from b, 16..31 from a.
inline __m512bh _mm512_cvtne2ps_pbh(__m512 a, __m512 b) {
    __m512bh r;
    for (int i = 0; i < 16; ++i) { r.v[i] = emu512::f32_bf16(b.v[i]); r.v[16 + i] = emu512::f32_bf16(a.v[i]); }
    return r;
}
