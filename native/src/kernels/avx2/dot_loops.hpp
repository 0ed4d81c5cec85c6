// The 5-loop driver and packers of the 256-bit int8 dot-product kernels: the AVX2
// VPMADDWD kernel (avx2/packed_6x16_int8.cpp) and the AVX-VNNI VPDPBUSD kernel
// (avx_vnni/packed_6x16_int8.cpp). Both are 6 x 16 tiles of int32; they differ only in
// what one packed 32-bit group holds:
//
//   Pairs (VPMADDWD): 2 consecutive k, each int8 sign-extended to int16
//     group of A row i, pair g:  [int16 A[i][2g] | int16 A[i][2g+1]]
//     group of B col j, pair g:  [int16 B[2g][j] | int16 B[2g+1][j]]
//   Quads (VPDPBUSD): 4 consecutive k as bytes, A shifted to u8 (XOR 0x80), and each
//     column of C corrected by 128 * colsum(B), as in avx512_lowp/packed_14x32_int8.cpp
//     group of A row i, quad g:  [A[i][4g..4g+3] ^ 0x80]
//     group of B col j, quad g:  [B[4g..4g+3][j]]
//
// Loops (BLIS names, as gemm_loops.cpp and avx512_lowp/lowp_loops.cpp):
//   jc: NC columns of B and C    (B block packed once per pc: lives in L3)
//   pc: KC deep slice            (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A             (A block packed: lives in L2)
//   jr: NR = 16 columns          (B micro-panel, ceil(kc/G) x 16 dwords: L1)
//   ir: MR = 6 rows              -> micro-kernel on one 6 x 16 tile of C
// Edge tiles run the full micro-kernel into an aligned scratch tile that is then copied
// into C: the caller's arrays are never touched out of bounds and need no alignment.
// On a team every member runs this on its own rows (or columns) of C (team_split.hpp).
//
// Plain C++ with internal linkage, included by one kernel file per ISA folder, so each
// copy is compiled with its own folder's flags (no ODR sharing across ISAs) and the
// stand-in builds (tests/native) compile exactly this code against a scalar
// <immintrin.h>. int32 results wrap (computed in uint32, no UB).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

#include "mm/types.hpp"
#include "team_split.hpp"

namespace mm::dot256 {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

// One full 6 x 16 tile: C = A_panel . B_panel (+ C when accumulate) over `groups`
// groups of k, minus col_corr[j] from every row (Quads only; null for Pairs).
using Ukr = void (*)(std::int64_t groups,
                     const std::uint32_t* a_packed,
                     const std::uint32_t* b_packed,
                     std::int32_t* c,
                     std::int64_t ldc,
                     bool accumulate,
                     const std::int32_t* col_corr);

inline std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

inline std::int32_t add_wrapping(std::int32_t x, std::int32_t y) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) + static_cast<std::uint32_t>(y));
}

// Grow-only, 64-byte aligned scratch (one per thread and use): the timed loop allocates
// nothing after the warm-up call.
class Scratch {
public:
    void* get(std::size_t bytes) {
        if (bytes > size_) {
            const std::size_t rounded = (bytes + 63) / 64 * 64;
            buf_.reset(std::aligned_alloc(64, rounded));
            if (!buf_) throw std::bad_alloc();
            size_ = rounded;
        }
        return buf_.get();
    }

private:
    struct Free {
        void operator()(void* p) const { std::free(p); }
    };
    std::unique_ptr<void, Free> buf_;
    std::size_t size_ = 0;
};

// k values 2g, 2g+1 as two int16 halves (VPMADDWD's pair); missing k are zero.
struct Pairs {
    static constexpr int G = 2;
    static constexpr bool CORRECT = false;
    static std::uint32_t lane(std::int8_t x, int q) {
        return static_cast<std::uint32_t>(static_cast<std::uint16_t>(std::int16_t{x})) << (16 * q);
    }
    static constexpr std::uint32_t A_XOR = 0;
};

// k values 4g .. 4g+3 as bytes (VPDPBUSD's quad); A is XORed with 0x80 per byte
// *after* zero padding, so a missing k of A is 0x80 (128) against a zero of B: its
// product is zero either way, and the column correction counts only real k.
struct Quads {
    static constexpr int G = 4;
    static constexpr bool CORRECT = true;
    static std::uint32_t lane(std::int8_t x, int q) {
        return static_cast<std::uint32_t>(static_cast<std::uint8_t>(x)) << (8 * q);
    }
    static constexpr std::uint32_t A_XOR = 0x80808080u;
};

// mc x kc block of A into MR-row panels, each `groups` rows of MR dwords:
// panel[g * MR + i] = group g of row i; rows past mc are zero.
template <typename T>
void pack_a(std::int64_t mc, std::int64_t kc, const std::int8_t* a, std::int64_t lda,
            std::uint32_t* a_packed) {
    constexpr int G = T::G;
    const std::int64_t groups = (kc + G - 1) / G;
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
        std::uint32_t* __restrict panel = a_packed + ir * groups;
        for (std::int64_t i = 0; i < mr; ++i) {
            const std::int8_t* __restrict src = a + (ir + i) * lda;
            for (std::int64_t g = 0; g < groups; ++g) {
                const std::int64_t have = std::min<std::int64_t>(G, kc - g * G);
                std::uint32_t w = 0;
                for (int q = 0; q < have; ++q) w |= T::lane(src[g * G + q], q);
                panel[g * MR + i] = w ^ T::A_XOR;
            }
        }
        for (std::int64_t i = mr; i < MR; ++i) {
            for (std::int64_t g = 0; g < groups; ++g) panel[g * MR + i] = 0;
        }
    }
}

// kc x nc block of B into NR-column panels of `groups` rows of NR dwords (columns past
// nc and k past kc zero). For Quads, corr[j] = 128 * (sum of column j over the slice),
// wrapped to int32, for j < round_up(nc, NR).
template <typename T>
void pack_b(std::int64_t kc, std::int64_t nc, const std::int8_t* b, std::int64_t ldb,
            std::uint32_t* b_packed, std::int32_t* corr) {
    constexpr int G = T::G;
    const std::int64_t groups = (kc + G - 1) / G;
    for (std::int64_t jp = 0; jp < nc; jp += NR) {
        const std::int64_t nr = std::min<std::int64_t>(NR, nc - jp);
        std::uint32_t* __restrict panel = b_packed + jp * groups;
        std::int64_t sum[NR] = {};
        for (std::int64_t g = 0; g < groups; ++g) {
            const std::int64_t have = std::min<std::int64_t>(G, kc - g * G);
            std::uint32_t w[NR] = {};
            for (int q = 0; q < have; ++q) {
                const std::int8_t* __restrict src = b + (g * G + q) * ldb + jp;
                for (std::int64_t j = 0; j < nr; ++j) {
                    w[j] |= T::lane(src[j], q);
                    if constexpr (T::CORRECT) sum[j] += src[j];
                }
            }
            std::memcpy(panel + g * NR, w, sizeof(w));
        }
        if constexpr (T::CORRECT) {
            for (int j = 0; j < NR; ++j) {
                corr[jp + j] = static_cast<std::int32_t>(
                    static_cast<std::uint32_t>(static_cast<std::uint64_t>(sum[j]) * 128u));
            }
        }
    }
}

template <typename T>
void gemm_one(const GemmArgs& g, const Blocking& blk, Ukr ukr) {
    constexpr int G = T::G;
    if (blk.MR != MR || blk.NR != NR || blk.MC < 1 || blk.KC < 1 || blk.NC < 1) {
        throw std::logic_error("dot256 driver: blocking must be 6x16 with MC, KC, NC >= 1");
    }
    const auto* A = static_cast<const std::int8_t*>(g.a);
    const auto* B = static_cast<const std::int8_t*>(g.b);
    auto* C = static_cast<std::int32_t*>(g.c);
    const std::int64_t MC = std::min<std::int64_t>(blk.MC, g.m);
    const std::int64_t KC = std::min<std::int64_t>(blk.KC, g.k);
    const std::int64_t NC = std::min<std::int64_t>(blk.NC, g.n);
    const std::int64_t max_groups = (KC + G - 1) / G;

    thread_local Scratch a_buf, b_buf, corr_buf;
    auto* a_packed = static_cast<std::uint32_t*>(
        a_buf.get(4 * static_cast<std::size_t>(round_up(MC, MR) * max_groups)));
    auto* b_packed = static_cast<std::uint32_t*>(
        b_buf.get(4 * static_cast<std::size_t>(round_up(NC, NR) * max_groups)));
    auto* corr = static_cast<std::int32_t*>(
        corr_buf.get(4 * static_cast<std::size_t>(round_up(NC, NR))));
    alignas(64) std::int32_t tile[MR * NR];

    for (std::int64_t jc = 0; jc < g.n; jc += NC) {
        const std::int64_t nc = std::min(NC, g.n - jc);
        for (std::int64_t pc = 0; pc < g.k; pc += KC) {
            const std::int64_t kc = std::min(KC, g.k - pc);
            const std::int64_t groups = (kc + G - 1) / G;
            const bool accumulate = pc > 0;
            pack_b<T>(kc, nc, B + pc * g.ldb + jc, g.ldb, b_packed, corr);
            for (std::int64_t ic = 0; ic < g.m; ic += MC) {
                const std::int64_t mc = std::min(MC, g.m - ic);
                pack_a<T>(mc, kc, A + ic * g.lda + pc, g.lda, a_packed);
                for (std::int64_t jr = 0; jr < nc; jr += NR) {
                    const std::int64_t nr = std::min<std::int64_t>(NR, nc - jr);
                    const std::uint32_t* bp = b_packed + jr * groups;
                    const std::int32_t* cr = T::CORRECT ? corr + jr : nullptr;
                    for (std::int64_t ir = 0; ir < mc; ir += MR) {
                        const std::int64_t mr = std::min<std::int64_t>(MR, mc - ir);
                        const std::uint32_t* ap = a_packed + ir * groups;
                        std::int32_t* c = C + (ic + ir) * g.ldc + jc + jr;
                        if (mr == MR && nr == NR) {
                            ukr(groups, ap, bp, c, g.ldc, accumulate, cr);
                            continue;
                        }
                        ukr(groups, ap, bp, tile, NR, false, cr);
                        for (std::int64_t i = 0; i < mr; ++i) {
                            for (std::int64_t j = 0; j < nr; ++j) {
                                const std::int32_t v = tile[i * NR + j];
                                std::int32_t& dst = c[i * g.ldc + j];
                                dst = accumulate ? add_wrapping(dst, v) : v;
                            }
                        }
                    }
                }
            }
        }
    }
}

// C = A.B (int8 in, int32 out) for row-major arrays of any shape on g.team; MC, KC, NC
// from `blk` (KC counts elements of k; any value >= 1 works).
template <typename T>
void gemm_6x16(const GemmArgs& g, const Blocking& blk, Ukr ukr) {
    run_on_team_parts(g, MR, NR, 1, 4, [&](const GemmArgs& part) { gemm_one<T>(part, blk, ukr); });
}

}  // namespace
}  // namespace mm::dot256
