// The 5-loop driver of the AVX2 bf16 kernels (declared in bf16_loops.hpp).
//
//   jc: NC columns of B and C    (B block packed once per pc: lives in L3)
//   pc: KC deep slice            (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A             (A block packed, widened to f32: lives in L2)
//   jr: NR = 16 columns          (B micro-panel, kc x 16 elements: L1)
//   ir: MR = 6 rows              -> micro-kernel on one 6 x 16 tile of C
//
// The shape of gemm_loops.cpp's driver, but its packers read bf16 and write what the
// step's micro-kernel wants (f32, or bf16 in a lane order), so it cannot be that
// driver, whose packers copy elements of the kernel's own type. Edge tiles run the full
// micro-kernel into an aligned scratch tile that is then copied into C: the caller's
// arrays are never touched out of bounds and need no alignment.
//
// A single row (m == 1) is a GEMV, bound by reading B once: packing B (a widened copy
// of all of it) and padding the row to MR = 6 only cost, so it streams B instead, as
// packed_6x16.cpp's f32 GEMV does (simd.cpp), widening each row piece as it is loaded.
#include "kernels/avx2/bf16_loops.hpp"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "kernels/avx512_lowp/lowp_pack.hpp"  // Scratch, round_up: plain C++, internal
#include "team_split.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

float f32_of(std::uint16_t h) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

void gemv_bf16(const GemmArgs& g);

void gemm_bf16_6x16_one(const GemmArgs& g, const Blocking& blk, const Bf16Panels& pn) {
    if (blk.MR != MR || blk.NR != NR || blk.MC < 1 || blk.KC < 1 || blk.NC < 1) {
        throw std::logic_error("gemm_bf16_6x16: blocking must be 6x16 with MC, KC, NC >= 1");
    }
    if (g.m == 1) {
        gemv_bf16(g);
        return;
    }
    const auto* A = static_cast<const std::uint16_t*>(g.a);
    const auto* B = static_cast<const std::uint16_t*>(g.b);
    float* C = static_cast<float*>(g.c);
    const std::int64_t MC = std::min<std::int64_t>(blk.MC, g.m);
    const std::int64_t KC = std::min<std::int64_t>(blk.KC, g.k);
    const std::int64_t NC = std::min<std::int64_t>(blk.NC, g.n);

    thread_local lowp::Scratch a_buf, b_buf;
    auto* a_packed = static_cast<char*>(
        a_buf.get(static_cast<std::size_t>(pn.a_bytes * lowp::round_up(MC, MR) * KC)));
    auto* b_packed = static_cast<char*>(
        b_buf.get(static_cast<std::size_t>(pn.b_bytes * lowp::round_up(NC, NR) * KC)));
    alignas(64) float tile[MR * NR];

    for (std::int64_t jc = 0; jc < g.n; jc += NC) {
        const std::int64_t nc = std::min(NC, g.n - jc);
        for (std::int64_t pc = 0; pc < g.k; pc += KC) {
            const std::int64_t kc = std::min(KC, g.k - pc);
            const bool accumulate = pc > 0;
            pn.pack_b(kc, nc, B + pc * g.ldb + jc, g.ldb, b_packed);
            const std::int64_t b_panel = NR * kc * pn.b_bytes;  // bytes of one micro-panel
            for (std::int64_t ic = 0; ic < g.m; ic += MC) {
                const std::int64_t mc = std::min(MC, g.m - ic);
                pn.pack_a(mc, kc, A + ic * g.lda + pc, g.lda, a_packed);
                for (std::int64_t jr = 0; jr < nc; jr += NR) {
                    const std::int64_t nr = std::min<std::int64_t>(NR, nc - jr);
                    const char* bp = b_packed + (jr / NR) * b_panel;
                    // The next B micro-panel: pulled into L2 a slice per micro-kernel call.
                    const char* b_next = bp + b_panel;
                    const char* b_end = jr + NR < nc ? b_next + b_panel : b_next;
                    const std::int64_t slice =
                        lowp::round_up((b_end - b_next) / ((mc + MR - 1) / MR) + 1, 64);
                    for (std::int64_t ir = 0; ir < mc; ir += MR) {
                        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
                        const char* ap = a_packed + ir * kc * pn.a_bytes;
                        float* c = C + (ic + ir) * g.ldc + jc + jr;
                        for (std::int64_t off = 0; off < slice && b_next < b_end;
                             off += 64, b_next += 64) {
                            __builtin_prefetch(b_next, 0, 2);
                        }
                        if (mr == MR && nr == NR) {
                            pn.ukr(kc, ap, bp, c, g.ldc, accumulate);
                            continue;
                        }
                        pn.ukr(kc, ap, bp, tile, NR, false);
                        for (std::int64_t i = 0; i < mr; ++i) {
                            for (std::int64_t j = 0; j < nr; ++j) {
                                const float v = tile[i * NR + j];
                                float& dst = c[i * g.ldc + j];
                                dst = accumulate ? dst + v : v;
                            }
                        }
                    }
                }
            }
        }
    }
}

// c[1 x n] = a[1 x k] . B[k x n]: GEMV_ROWS rows of B per pass over c (as simd.cpp's
// f32 GEMV: that many sequential streams for the prefetchers, one load and store of c,
// L1-resident, per GEMV_ROWS FMAs), each 8 bf16 of a row widened as they are loaded.
constexpr int GEMV_ROWS = 8;

void gemv_bf16(const GemmArgs& g) {
    const auto* a = static_cast<const std::uint16_t*>(g.a);
    const auto* B = static_cast<const std::uint16_t*>(g.b);
    float* c = static_cast<float*>(g.c);
    constexpr int R = GEMV_ROWS;
    const std::int64_t n_full = g.n / 8 * 8;
    std::fill(c, c + g.n, 0.0f);
    auto widen8 = [](const std::uint16_t* src) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    };
    for (std::int64_t p = 0; p < g.k; p += R) {
        const int rows = static_cast<int>(std::min<std::int64_t>(R, g.k - p));
        __m256 av[R];
        float as[R];
        const std::uint16_t* b[R];
        for (int r = 0; r < R; ++r) {
            // Rows past k multiply a zero, reading the last real row again (in bounds).
            as[r] = r < rows ? f32_of(a[p + r]) : 0.0f;
            av[r] = _mm256_set1_ps(as[r]);
            b[r] = B + (p + std::min(r, rows - 1)) * g.ldb;
        }
        std::int64_t j = 0;
        for (; j < n_full; j += 8) {
            __m256 even = _mm256_loadu_ps(c + j);
            __m256 odd = _mm256_setzero_ps();
#pragma GCC unroll 8
            for (int r = 0; r < R; r += 2) {
                even = _mm256_fmadd_ps(av[r], widen8(b[r] + j), even);
                odd = _mm256_fmadd_ps(av[r + 1], widen8(b[r + 1] + j), odd);
            }
            _mm256_storeu_ps(c + j, _mm256_add_ps(even, odd));
        }
        for (; j < g.n; ++j) {
            float sum = c[j];
            for (int r = 0; r < R; ++r) sum += as[r] * f32_of(b[r][j]);
            c[j] = sum;
        }
    }
}

// 4 bf16 -> 4 f32: each 16-bit pattern becomes the upper half of a dword (exact).
__m128 widen4(const std::uint16_t* src) {
    const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
    return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), x));
}

}  // namespace

void pack_a_6_widened(std::int64_t mc,
                      std::int64_t kc,
                      const std::uint16_t* a,
                      std::int64_t lda,
                      void* dst_v) {
    auto* dst = static_cast<float*>(dst_v);
    for (std::int64_t ir = 0; ir < mc; ir += MR, a += MR * lda) {
        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        float* __restrict d = dst + ir * kc;
        std::int64_t p = 0;
        if (mr == MR) {
            // 4 k at a time: widen 4 elements of each row, transpose 6x4 -> 4x6 in SSE
            // registers (gemm_pack.cpp's f32 panel does the same without the widening).
            for (; p + 4 <= kc; p += 4, d += 4 * MR) {
                __m128 r0 = widen4(a + p), r1 = widen4(a + lda + p);
                __m128 r2 = widen4(a + 2 * lda + p), r3 = widen4(a + 3 * lda + p);
                const __m128 r4 = widen4(a + 4 * lda + p), r5 = widen4(a + 5 * lda + p);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                const __m128 lo = _mm_unpacklo_ps(r4, r5);
                const __m128 hi = _mm_unpackhi_ps(r4, r5);
                _mm_storeu_ps(d, r0);
                _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), lo);
                _mm_storeu_ps(d + 6, r1);
                _mm_storeh_pi(reinterpret_cast<__m64*>(d + 10), lo);
                _mm_storeu_ps(d + 12, r2);
                _mm_storel_pi(reinterpret_cast<__m64*>(d + 16), hi);
                _mm_storeu_ps(d + 18, r3);
                _mm_storeh_pi(reinterpret_cast<__m64*>(d + 22), hi);
            }
        }
        for (; p < kc; ++p, d += MR) {
            for (std::int64_t i = 0; i < MR; ++i) d[i] = i < mr ? f32_of(a[i * lda + p]) : 0.0f;
        }
    }
}

void gemm_bf16_6x16(const GemmArgs& g, const Blocking& blk, const Bf16Panels& panels) {
    run_on_team_parts(g, MR, NR, 2, 4,
                      [&](const GemmArgs& part) { gemm_bf16_6x16_one(part, blk, panels); });
}

}  // namespace mm::avx2
