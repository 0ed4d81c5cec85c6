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
// B[2p+1][n] in one dword. Zero padding makes every edge tile a full tile.
//
// Cache blocks (Sapphire Rapids: L1d 48 KiB, L2 2 MiB per core), KC in elements:
//   KC = 512:  one B micro-panel is 256 pairs x 32 columns x 4 B = 32 KiB (L1) and a
//              row of A in the block is 1 KiB (16 chunks of k per C block).
//   MC = 512:  the packed A block 512 x 512 x 2 B = 512 KiB stays in L2 (1/4 of 2 MiB).
//   NC = 2048: the packed B block 512 x 2048 x 2 B = 2 MiB streams from L3 once per ic.
// Not measured: written and proven on machines without AMX (emulator tests); the
// blocks follow oneDNN's brgemm practice and may need tuning on an AMX core.
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
    static void dot_2x2() {
        MM_TILE_DPBF16PS(0, 4, 6);
        MM_TILE_DPBF16PS(1, 4, 7);
        MM_TILE_DPBF16PS(2, 5, 6);
        MM_TILE_DPBF16PS(3, 5, 7);
    }
};

}  // namespace

void gemm_tiles_32x32_bf16(const GemmArgs& args, const Blocking& blk) {
    gemm_tiles_32x32<Bf16>(args, blk);
}

}  // namespace mm::amx
