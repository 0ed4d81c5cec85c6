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
#include "kernels/amx/tiles.hpp"

namespace mm::amx {
namespace {

template <typename Out>
Out first_of_tile0() {
    alignas(64) Out c[16 * 16];
    _tile_stored(0, c, 64);
    return c[0];
}

}  // namespace

float tdpbf16_peak(std::int64_t iters) {
    alignas(64) std::uint16_t ab[16 * 32];
    for (auto& x : ab) x = 0x3c00;
    const TileScope tiles(ALL_16X64);
    __asm__ volatile("" : : "r"(ab) : "memory");
    _tile_loadd(6, ab, 64);
    _tile_loadd(7, ab, 64);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_zero(4);
    _tile_zero(5);
    for (std::int64_t it = 0; it < iters; ++it) {
        _tile_dpbf16ps(0, 6, 7);
        _tile_dpbf16ps(1, 6, 7);
        _tile_dpbf16ps(2, 6, 7);
        _tile_dpbf16ps(3, 6, 7);
        _tile_dpbf16ps(4, 6, 7);
        _tile_dpbf16ps(5, 6, 7);
    }
    return first_of_tile0<float>();
}

std::int32_t tdpbssd_peak(std::int64_t iters) {
    alignas(64) std::int8_t ab[16 * 64];
    std::memset(ab, 1, sizeof ab);
    const TileScope tiles(ALL_16X64);
    __asm__ volatile("" : : "r"(ab) : "memory");
    _tile_loadd(6, ab, 64);
    _tile_loadd(7, ab, 64);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_zero(4);
    _tile_zero(5);
    for (std::int64_t it = 0; it < iters; ++it) {
        _tile_dpbssd(0, 6, 7);
        _tile_dpbssd(1, 6, 7);
        _tile_dpbssd(2, 6, 7);
        _tile_dpbssd(3, 6, 7);
        _tile_dpbssd(4, 6, 7);
        _tile_dpbssd(5, 6, 7);
    }
    return first_of_tile0<std::int32_t>();
}

}  // namespace mm::amx
