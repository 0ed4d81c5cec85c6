// Step 7 of the ladder (bf16): AMX. One TDPBF16PS multiplies a 16 x 32 bf16 tile of A by
// a 32 x 16 bf16 tile of B (16 x 16 pairs, VNNI layout) into a 16 x 16 f32 tile of C:
// 16,384 FLOP per instruction, 16x a zmm VDPBF16PS. What this step adds over
// avx512.packed_14x32.bf16 is the tile unit; the cache blocking stays around it.
//
// Register plan (amx_loops.hpp): C = 2 x 2 tiles (tmm0..3, a 32 x 32 f32 block held in
// the tile unit for a whole KC slice), A = tmm4, tmm5 (rows 0-15, 16-31), B = tmm6, tmm7
// (columns 0-15, 16-31): all 8 tiles of palette 1, every one 16 rows x 64 bytes. Each A
// and B tile loaded feeds 2 TDPs (2 loads of 1 KiB per TDP), the common AMX plan.
//
// A and B are packed into the tile layouts inside the call, as a BLAS call does: A in
// 16 x 32 bf16 tiles (zero-padded), B in 16-pair x 16-column VNNI tiles, B[2p][n] and
// B[2p+1][n] in one dword. Zero padding makes every edge tile a full tile. A is packed
// too, though its rows are already tile rows (TILELOADD takes any stride): read in place,
// whole strips only (edges still need zero-padded copies), 1024^3 ran at 1,301 against
// 1,351 GFLOP/s packed, so one code path it is.
//
// Cache blocks (Sapphire Rapids: L1d 48 KiB, L2 2 MiB per core), KC in elements, the
// tile rule of mm/blocking.hpp:
//   KC = 384:  the 32-row strip of A is 32 x 384 x 2 B = 24 KiB, half of L1: it stays
//              there while it meets every B micro-panel of the block (KC 640, a 40 KiB
//              strip, fell to 1,086 GFLOP/s at 2048^3).
//   MC = 32:   one strip per ic step, packed just before its sweep across B.
//   NC = 1024: the packed B block 384 x 1024 x 2 B = 768 KiB stays in L2 (NC 2048, a
//              1.5 MiB block beside the strip and C, fell to 805).
// Measured on one Sapphire Rapids core (KVM guest, family 6 model 167, 2026-12-02):
// 1,458 GFLOP/s at 1024^3 and 1,498 at 2048^3 (38-39 % of the TDPBF16PS probe); the first
// layout (MC 512, KC 512, NC 2048, a byte-wise A packer) gave 809 and 846. The 2 x 2
// tile plan loads 4 tiles per 4 TDPs: from L2 it ran at 2,450 GFLOP/s in a loop of
// nothing else, so the rest of the gap to the probe is C's traffic and packing.
#include <immintrin.h>

#include <cstdint>

#include "kernels/amx/amx.hpp"
#include "kernels/amx/amx_loops.hpp"

namespace mm::amx {
namespace {

struct Bf16 {
    using In = std::uint16_t;
    using Out = float;
    static constexpr int G = 2;
    // [lesson:loop]
    static void dot_2x2() {
        MM_TILE_DPBF16PS(0, 4, 6);
        MM_TILE_DPBF16PS(1, 4, 7);
        MM_TILE_DPBF16PS(2, 5, 6);
        MM_TILE_DPBF16PS(3, 5, 7);
    }
    // [/lesson:loop]
};

}  // namespace

void gemm_tiles_32x32_bf16(const GemmArgs& args, const Blocking& blk) {
    gemm_tiles_32x32<Bf16>(args, blk);
}

}  // namespace mm::amx
