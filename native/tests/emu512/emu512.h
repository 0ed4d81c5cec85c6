// Scalar stand-ins for the few AVX-512 intrinsics the packed AVX-512 kernels use,
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
