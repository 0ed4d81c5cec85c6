// AVX2 int8 kernel and probe (VPMADDWD). Declarations only: safe to include from
// baseline code (registry.cpp, probes.cpp); the definitions live in the -mavx2 -mfma
// files packed_6x16_int8.cpp and madd_peak.cpp of this folder.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx2 {

// The int8 step on every AVX2 CPU (packed_6x16_int8.cpp): int8 sign-extended to int16
// pairs while packing, VPMADDWD + VPADDD into 12 int32 accumulators. KC in elements of
// k (a packed element is 2 bytes); the file says why these blocks.
constexpr Blocking PACKED_6X16_INT8{6, 16, 252, 512, 8192};
void gemm_packed_6x16_int8(const GemmArgs& args, const Blocking& blk);

// Machine probe (madd_peak.cpp): `iters` rounds of VPMADDWD + VPADDD on
// MADD_PEAK_ACCUMULATORS independent ymm chains (32 OP each: 16 multiply-adds).
constexpr int MADD_PEAK_ACCUMULATORS = 14;
std::int32_t madd_peak(std::int64_t iters);

}  // namespace mm::avx2
