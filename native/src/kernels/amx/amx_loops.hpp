// The AMX tile GEMM driver, shared by tiles_32x32_bf16.cpp and tiles_32x32_int8.cpp
// (internal linkage: each includes its own copy, built with this folder's flags).
//
//   jc: NC columns of B and C    (B block packed once per pc)
//   pc: KC deep slice            (first slice overwrites C, later ones accumulate)
//   ic: MC rows of A             (A block packed into tile rows: lives in L2)
//   jr: 32 columns               (B micro-panel: 2 tiles wide, ceil(kc/KT) chunks deep)
//   ir: 32 rows                  -> 4 C tiles (tmm0..3) stay in the tile unit for the
//                                   whole slice; per chunk of k: 2 A tiles (tmm4, 5) and
//                                   2 B tiles (tmm6, 7), 4 TDPs.
//
// Packed layouts (zero-padded, 64-byte aligned, so every tile is a full 16 x 64 bytes and
// edge tiles need no smaller configuration):
//   A: [16-row panel][chunk of KT k][16 rows][64 bytes]   tile = 1 KiB, stride 64
//   B: lowp_pack.hpp's 32-column VNNI panels, groups padded to whole chunks of 16:
//      [32-col panel][group][32 dwords]                   tile = 16 groups x 16 dwords,
//                                                          stride 128 (left or right half)
// KT = 32 bf16 or 64 int8 (64 bytes of k), G = 2 or 4 k per dword.
// Full C blocks are loaded from / stored to C directly (TILELOADD/TILESTORED take any
// stride and alignment); edge blocks run on zeroed tiles into an aligned scratch block
// that is then added to C for the rows and columns that exist.
//
// Tile instructions go through tile_ops.hpp, whose fences order the packing stores
// before the tile loads that read them (and the next packing after). Include after
// <immintrin.h> (the including file's one intrinsics header, which the emulator tests
// replace by amx_emu.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "kernels/amx/tile_ops.hpp"
#include "kernels/amx/tiles.hpp"
#include "kernels/avx512_lowp/lowp_pack.hpp"
#include "mm/slicing.hpp"
#include "mm/types.hpp"
#include "team_split.hpp"

namespace mm::amx {
namespace {

// mc x kc block of A into tile rows (layout above); rows past mc (up to a multiple of
// 32) and k past kc are zero. Whole chunks are fixed 64-byte copies (inlined as vector
// moves: a variable-length memcpy per chunk packed at 5.6 GB/s on a Sapphire Rapids core);
// only each row's last, partial chunk takes a variable one.
template <typename In>
void pack_a_tiles(std::int64_t mc, std::int64_t kc, const In* a, std::int64_t lda,
                  std::int64_t chunks, In* a_packed) {
    constexpr std::int64_t KT = 64 / sizeof(In);
    const std::int64_t rows = lowp::round_up(mc, 32);
    const std::int64_t whole = kc / KT;
    const auto tail = static_cast<std::size_t>(kc - whole * KT) * sizeof(In);
    for (std::int64_t r = 0; r < rows; ++r) {
        In* dst = a_packed + ((r / 16) * chunks * 16 + r % 16) * KT;
        std::int64_t ch = 0;
        if (r < mc) {
            const In* src = a + r * lda;
            for (; ch < whole; ++ch, dst += 16 * KT) std::memcpy(dst, src + ch * KT, 64);
            if (tail > 0) {
                std::memcpy(dst, src + ch * KT, tail);
                std::memset(reinterpret_cast<char*>(dst) + tail, 0, 64 - tail);
                ++ch;
                dst += 16 * KT;
            }
        }
        for (; ch < chunks; ++ch, dst += 16 * KT) std::memset(dst, 0, 64);
    }
}

// T: In, Out, G and dot_2x2() (the 4 TDPs C[i][j] += A[i] . B[j] on tmm0..7).
template <typename T>
void gemm_tiles_32x32_one(const GemmArgs& g, const Blocking& blk) {
    using In = typename T::In;
    using Out = typename T::Out;
    constexpr int G = T::G;
    constexpr std::int64_t KT = 64 / sizeof(In);
    constexpr std::int64_t ROW = 32 * sizeof(Out);  // bytes per row of the scratch block
    if (blk.MR != 32 || blk.NR != 32 || blk.MC < 1 || blk.KC < 1 || blk.NC < 1) {
        throw std::logic_error("gemm_tiles_32x32: blocking must be 32x32 with MC, KC, NC >= 1");
    }
    const In* A = static_cast<const In*>(g.a);
    const In* B = static_cast<const In*>(g.b);
    Out* C = static_cast<Out*>(g.c);
    // Equal row blocks and k slices, in whole tile rows where KC allows (mm/slicing.hpp).
    const std::int64_t MC = even_rows(g.m, blk.MC, 32);
    const std::int64_t KC = even_depth(g.k, blk.KC, KT);
    const std::int64_t NC = std::min<std::int64_t>(blk.NC, g.n);
    const std::int64_t max_chunks = (KC + KT - 1) / KT;

    thread_local lowp::Scratch a_buf, b_buf;
    auto* a_packed = static_cast<In*>(a_buf.get(
        static_cast<std::size_t>(lowp::round_up(MC, 32) * max_chunks * KT) * sizeof(In)));
    auto* b_packed = static_cast<std::uint32_t*>(b_buf.get(
        static_cast<std::size_t>(lowp::round_up(NC, 32) * max_chunks * 16) * 4));
    alignas(64) Out block[32 * 32];
    const std::int64_t ldc_bytes = g.ldc * static_cast<std::int64_t>(sizeof(Out));

    const TileScope tiles(ALL_16X64);
    for (std::int64_t jc = 0; jc < g.n; jc += NC) {
        const std::int64_t nc = std::min(NC, g.n - jc);
        for (std::int64_t pc = 0; pc < g.k; pc += KC) {
            const std::int64_t kc = std::min(KC, g.k - pc);
            const std::int64_t chunks = (kc + KT - 1) / KT;
            const std::int64_t groups = chunks * 16;
            const bool accumulate = pc > 0;
            lowp::pack_b_panels<In, G, 32, false>(kc, nc, B + pc * g.ldb + jc, g.ldb, groups,
                                                  b_packed, nullptr);
            for (std::int64_t ic = 0; ic < g.m; ic += MC) {
                const std::int64_t mc = std::min(MC, g.m - ic);
                pack_a_tiles<In>(mc, kc, A + ic * g.lda + pc, g.lda, chunks, a_packed);
                for (std::int64_t jr = 0; jr < nc; jr += 32) {
                    const std::uint32_t* bp = b_packed + jr * groups;
                    for (std::int64_t ir = 0; ir < mc; ir += 32) {
                        const bool full = ir + 32 <= mc && jr + 32 <= nc;
                        Out* c = C + (ic + ir) * g.ldc + jc + jr;
                        if (full && accumulate) {
                            MM_TILE_LOAD(0, c, ldc_bytes);
                            MM_TILE_LOAD(1, c + 16, ldc_bytes);
                            MM_TILE_LOAD(2, c + 16 * g.ldc, ldc_bytes);
                            MM_TILE_LOAD(3, c + 16 * g.ldc + 16, ldc_bytes);
                        } else {
                            MM_TILE_ZERO(0);
                            MM_TILE_ZERO(1);
                            MM_TILE_ZERO(2);
                            MM_TILE_ZERO(3);
                        }
                        const In* a0 = a_packed + (ir / 16) * chunks * 16 * KT;
                        const In* a1 = a0 + chunks * 16 * KT;
                        for (std::int64_t ch = 0; ch < chunks; ++ch) {
                            MM_TILE_LOAD(4, a0 + ch * 16 * KT, 64);
                            MM_TILE_LOAD(5, a1 + ch * 16 * KT, 64);
                            MM_TILE_LOAD(6, bp + ch * 16 * 32, 128);
                            MM_TILE_LOAD(7, bp + ch * 16 * 32 + 16, 128);
                            T::dot_2x2();
                        }
                        if (full) {
                            MM_TILE_STORE(0, c, ldc_bytes);
                            MM_TILE_STORE(1, c + 16, ldc_bytes);
                            MM_TILE_STORE(2, c + 16 * g.ldc, ldc_bytes);
                            MM_TILE_STORE(3, c + 16 * g.ldc + 16, ldc_bytes);
                            continue;
                        }
                        MM_TILE_STORE(0, block, ROW);
                        MM_TILE_STORE(1, block + 16, ROW);
                        MM_TILE_STORE(2, block + 16 * 32, ROW);
                        MM_TILE_STORE(3, block + 16 * 32 + 16, ROW);
                        const std::int64_t mr = std::min<std::int64_t>(32, mc - ir);
                        const std::int64_t nr = std::min<std::int64_t>(32, nc - jr);
                        for (std::int64_t i = 0; i < mr; ++i) {
                            for (std::int64_t j = 0; j < nr; ++j) {
                                const Out v = block[i * 32 + j];
                                Out& dst = c[i * g.ldc + j];
                                dst = accumulate ? lowp::add_wrapping(dst, v) : v;
                            }
                        }
                    }
                }
            }
        }
    }
}

// The driver on g.team: each member runs it on its own rows (or columns) of C, with its
// own tile configuration (per thread) and packed blocks (team_split.hpp says why).
template <typename T>
void gemm_tiles_32x32(const GemmArgs& g, const Blocking& blk) {
    run_on_team_parts(g, 32, 32, sizeof(typename T::In), sizeof(typename T::Out),
                      [&](const GemmArgs& part) { gemm_tiles_32x32_one<T>(part, blk); });
}

}  // namespace
}  // namespace mm::amx
