// Machine probes, not GEMMs: TDPBF16PS (AMX-BF16) and TDPBSSD (AMX-INT8) throughput of
// one core. Called only when the CPU reports AMX and Linux granted tile permission.
//
// Operation: TDP_PEAK_TILES independent C tiles (tmm0..5) += A (tmm6) . B (tmm7), every
// tile 16 x 64 bytes, `iters` times: the C tiles are separate dependency chains, so the
// loop runs at the TMUL unit's throughput, not its latency.
//
// Counting: TDPBF16PS 16 x 16 x 32 multiply-adds = 16,384 FLOP; TDPBSSD 16 x 16 x 64 =
// 32,768 OP. Inputs: bf16 2^-7 (finite, normal), bytes 1.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/amx/amx.hpp"
#include "kernels/amx/tile_ops.hpp"
#include "kernels/amx/tiles.hpp"

namespace mm::amx {
namespace {

// tmm6 = tmm7 = 16 rows x 64 bytes of `fill`; T::six() does one TDP into each of tmm0..5.
template <typename Out, typename T>
Out tdp_loop(std::int64_t iters, const void* fill) {
    const TileScope tiles(ALL_16X64);
    MM_TILE_LOAD(6, fill, 64);
    MM_TILE_LOAD(7, fill, 64);
    MM_TILE_ZERO(0);
    MM_TILE_ZERO(1);
    MM_TILE_ZERO(2);
    MM_TILE_ZERO(3);
    MM_TILE_ZERO(4);
    MM_TILE_ZERO(5);
    for (std::int64_t it = 0; it < iters; ++it) T::six();
    alignas(64) Out c[16 * 16];
    MM_TILE_STORE(0, c, 64);
    return c[0];
}

struct Bf16 {
    static void six() {
        MM_TILE_DPBF16PS(0, 6, 7);
        MM_TILE_DPBF16PS(1, 6, 7);
        MM_TILE_DPBF16PS(2, 6, 7);
        MM_TILE_DPBF16PS(3, 6, 7);
        MM_TILE_DPBF16PS(4, 6, 7);
        MM_TILE_DPBF16PS(5, 6, 7);
    }
};

struct Int8 {
    static void six() {
        MM_TILE_DPBSSD(0, 6, 7);
        MM_TILE_DPBSSD(1, 6, 7);
        MM_TILE_DPBSSD(2, 6, 7);
        MM_TILE_DPBSSD(3, 6, 7);
        MM_TILE_DPBSSD(4, 6, 7);
        MM_TILE_DPBSSD(5, 6, 7);
    }
};

}  // namespace

float tdpbf16_peak(std::int64_t iters) {
    alignas(64) std::uint16_t ab[16 * 32];
    for (auto& x : ab) x = 0x3c00;
    return tdp_loop<float, Bf16>(iters, ab);
}

std::int32_t tdpbssd_peak(std::int64_t iters) {
    alignas(64) std::int8_t ab[16 * 64];
    std::memset(ab, 1, sizeof ab);
    return tdp_loop<std::int32_t, Int8>(iters, ab);
}

}  // namespace mm::amx
