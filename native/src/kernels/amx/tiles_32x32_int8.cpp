// Step 7 of the ladder (int8): AMX. One TDPBSSD multiplies a 16 x 64 s8 tile of A by a
// 64 x 16 s8 tile of B (16 quads x 16 columns) into a 16 x 16 int32 tile of C, wrapping:
// 32,768 OP per instruction, twice TDPBF16PS. Signed x signed, so unlike the VPDPBUSD
// kernel no +128 shift or column correction is needed.
//
// Same driver, register plan and packing as tiles_32x32_bf16.cpp (amx_loops.hpp), with
// 64 bytes of k per tile row = 64 int8 and B quads B[4q..4q+3][n] in one dword.
//
// Cache blocks, KC in elements (so the same bytes as the bf16 kernel):
//   KC = 1024: B micro-panel 256 quads x 32 columns x 4 B = 32 KiB (L1), 1 KiB per row of A.
//   MC = 512:  the packed A block 512 x 1024 B = 512 KiB stays in L2.
//   NC = 2048: the packed B block 1024 x 2048 B = 2 MiB.
// Not measured: proven through the emulator only (no AMX on the development machines).
#include <immintrin.h>

#include <cstdint>

#include "kernels/amx/amx.hpp"
#include "kernels/amx/amx_loops.hpp"

namespace mm::amx {
namespace {

struct Int8 {
    using In = std::int8_t;
    using Out = std::int32_t;
    static constexpr int G = 4;
    static void dot_2x2() {
        MM_TILE_DPBSSD(0, 4, 6);
        MM_TILE_DPBSSD(1, 4, 7);
        MM_TILE_DPBSSD(2, 5, 6);
        MM_TILE_DPBSSD(3, 5, 7);
    }
};

}  // namespace

void gemm_tiles_32x32_int8(const GemmArgs& args, const Blocking& blk) {
    gemm_tiles_32x32<Int8>(args, blk);
}

}  // namespace mm::amx
