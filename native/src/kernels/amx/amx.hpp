// AMX kernels and probes. Declarations only: safe to include from baseline code
// (registry.cpp, probes.cpp); the definitions live in this folder, compiled with the
// AVX-512 flags plus -mamx-tile -mamx-bf16 -mamx-int8.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::amx {

// 2 x 2 tiles of C (a 32 x 32 block), see tiles_32x32_bf16.cpp. KC counts elements of
// k: 384 bf16 = 768 bytes per row of A, as 768 int8 (12 tile-deep chunks of k); MC is one
// 32-row strip; NC keeps the KC x NC block of B at 768 KiB. Measured on Sapphire Rapids
// (mm/blocking.hpp's TILE_SHARES, which gives the same on its caches).
constexpr Blocking TILES_32X32_BF16{32, 32, 32, 384, 1024};
constexpr Blocking TILES_32X32_INT8{32, 32, 32, 768, 1024};
void gemm_tiles_32x32_bf16(const GemmArgs& args, const Blocking& blk);
void gemm_tiles_32x32_int8(const GemmArgs& args, const Blocking& blk);

// Machine probes (tdp_peak.cpp): `iters` rounds of TDPBF16PS / TDPBSSD into
// TDP_PEAK_TILES independent 16 x 16 C tiles from one A and one B tile (16 x 64 bytes).
constexpr int TDP_PEAK_TILES = 6;
float tdpbf16_peak(std::int64_t iters);
std::int32_t tdpbssd_peak(std::int64_t iters);

}  // namespace mm::amx
