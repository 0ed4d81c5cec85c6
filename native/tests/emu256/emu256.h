// Scalar stand-ins for the 256-bit intrinsics the AVX-VNNI int8 kernel
// (src/kernels/avx_vnni/packed_6x16_int8.cpp) uses, so its source (loops, indexing,
// tails, accumulate, the column correction, alignment of packed loads) can be checked
// on any CPU through the real driver under ASan/UBSan. VPDPBUSD follows the Intel SDM
// "Operation" of VPDPBUSD (VEX.256): 8 int32 lanes, lane j += sum over q < 4 of
// u8(a.byte[4j+q]) * s8(b.byte[4j+q]), wrapping (no saturation: that is VPDPBUSDS).
// Aligned loads trap when misaligned, as the real instruction faults. Test-only:
// never part of the module.
#pragma once
#include <xmmintrin.h>  // _mm_prefetch (SSE, baseline x86-64)

#include <cstdint>
#include <cstring>

struct __m256i {
    std::uint32_t v[8];  // 8 x 32-bit; wrapping arithmetic in uint32
};
using __v8si = __m256i;  // the kernel's accumulator type: its casts become no-ops

inline __m256i _mm256_setzero_si256() {
    __m256i r;
    for (auto& x : r.v) x = 0;
    return r;
}
inline __m256i _mm256_set1_epi32(int a) {
    __m256i r;
    for (auto& x : r.v) x = static_cast<std::uint32_t>(a);
    return r;
}
inline __m256i _mm256_load_si256(const __m256i* p) {
    if ((reinterpret_cast<std::uintptr_t>(p) & 31) != 0) __builtin_trap();
    __m256i r;
    std::memcpy(r.v, p, 32);
    return r;
}
inline __m256i _mm256_loadu_si256(const __m256i* p) {
    __m256i r;
    std::memcpy(r.v, p, 32);
    return r;
}
inline void _mm256_storeu_si256(__m256i* p, __m256i a) { std::memcpy(p, a.v, 32); }
inline __m256i _mm256_add_epi32(__m256i a, __m256i b) {
    for (int i = 0; i < 8; ++i) a.v[i] += b.v[i];
    return a;
}
inline __m256i _mm256_sub_epi32(__m256i a, __m256i b) {
    for (int i = 0; i < 8; ++i) a.v[i] -= b.v[i];
    return a;
}
inline __m256i _mm256_dpbusd_avx_epi32(__m256i src, __m256i a, __m256i b) {
    unsigned char ab[32], bb[32];
    std::memcpy(ab, a.v, 32);
    std::memcpy(bb, b.v, 32);
    for (int j = 0; j < 8; ++j) {
        std::uint32_t s = 0;
        for (int q = 0; q < 4; ++q) {
            const std::int32_t p = ab[4 * j + q] * static_cast<std::int32_t>(
                                                       static_cast<signed char>(bb[4 * j + q]));
            s += static_cast<std::uint32_t>(p);
        }
        src.v[j] += s;
    }
    return src;
}
