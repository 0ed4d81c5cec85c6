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
#include "kernels/avx2/bf16_loops.hpp"

#include <immintrin.h>

#include <algorithm>
#include <stdexcept>

#include "kernels/avx512_lowp/lowp_pack.hpp"  // Scratch, round_up: plain C++, internal
#include "team_split.hpp"

namespace mm::avx2 {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

void gemm_bf16_6x16_one(const GemmArgs& g, const Blocking& blk, const Bf16Panels& pn) {
    if (blk.MR != MR || blk.NR != NR || blk.MC < 1 || blk.KC < 1 || blk.NC < 1) {
        throw std::logic_error("gemm_bf16_6x16: blocking must be 6x16 with MC, KC, NC >= 1");
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

// 4 bf16 -> 4 f32: each 16-bit pattern becomes the upper half of a dword (exact).
__m128 widen4(const std::uint16_t* src) {
    const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
    return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), x));
}

float widen1(std::uint16_t h) {
    return _mm_cvtss_f32(_mm_castsi128_ps(_mm_cvtsi32_si128(static_cast<int>(h) << 16)));
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
            for (std::int64_t i = 0; i < MR; ++i) d[i] = i < mr ? widen1(a[i * lda + p]) : 0.0f;
        }
    }
}

void gemm_bf16_6x16(const GemmArgs& g, const Blocking& blk, const Bf16Panels& panels) {
    run_on_team_parts(g, MR, NR, 2, 4,
                      [&](const GemmArgs& part) { gemm_bf16_6x16_one(part, blk, panels); });
}

}  // namespace mm::avx2
