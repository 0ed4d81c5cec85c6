// Step 7 of the ladder (int8): AMX. One TDPBSSD multiplies a 16 x 64 s8 tile of A by a
// 64 x 16 s8 tile of B (16 quads x 16 columns) into a 16 x 16 int32 tile of C, wrapping:
// 32,768 OP per instruction, twice TDPBF16PS. Signed x signed, so unlike the VPDPBUSD
// kernel no +128 shift or column correction is needed.
//
// Same driver, register plan and packing as tiles_32x32_bf16.cpp (amx_loops.hpp), with
// 64 bytes of k per tile row = 64 int8 and B quads B[4q..4q+3][n] in one dword.
//
// Cache blocks, KC in elements (so the same bytes as the bf16 kernel; mm/blocking.hpp's
// tile rule):
//   KC = 768:  the 32-row strip of A is 32 x 768 B = 24 KiB, half of L1.
//   MC = 32:   one strip per ic step.
//   NC = 1024: the packed B block 768 x 1024 B = 768 KiB stays in L2.
// The driver splits k evenly (1024 runs as 2 x 512). Measured on one Sapphire Rapids
// core (2026-12-02): 2,718 GOP/s at 1024^3 and 3,076 at 2048^3 (36-40 % of the TDPBSSD
// probe), where the first layout (MC 512, KC 1024, NC 2048) gave 1,535 and 1,812.
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
    // [lesson:loop]
    static void dot_2x2() {
        MM_TILE_DPBSSD(0, 4, 6);
        MM_TILE_DPBSSD(1, 4, 7);
        MM_TILE_DPBSSD(2, 5, 6);
        MM_TILE_DPBSSD(3, 5, 7);
    }
    // [/lesson:loop]
};

}  // namespace

void gemm_tiles_32x32_int8(const GemmArgs& args, const Blocking& blk) {
    gemm_tiles_32x32<Int8>(args, blk);
}

}  // namespace mm::amx
