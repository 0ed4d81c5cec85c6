// AVX-512 BF16 / VNNI kernels and probes. Declarations only: safe to include from
// baseline code (registry.cpp, probes.cpp); the definitions live in the files of this
// folder, compiled with -mavx512{f,bw,vl,dq,bf16,vnni}.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx512_lowp {

// Register block 14x32 (28 zmm accumulators), see packed_14x32_bf16.cpp. KC counts
// elements of k: 384 bf16 = 192 pairs, 768 int8 = 192 quads, so both micro-panels of B
// are 192 x 32 dwords = 24 KiB, as for the f32 kernel.
constexpr Blocking PACKED_14X32_BF16{14, 32, 336, 384, 3072};
constexpr Blocking PACKED_14X32_INT8{14, 32, 336, 768, 3072};
void gemm_packed_14x32_bf16(const GemmArgs& args, const Blocking& blk);
void gemm_packed_14x32_int8(const GemmArgs& args, const Blocking& blk);

// Machine probes (dot_peak.cpp): `iters` rounds of VDPBF16PS / VPDPBUSD on
// DOT_PEAK_ACCUMULATORS independent zmm accumulators; the result depends on all of
// them so the work cannot be elided.
constexpr int DOT_PEAK_ACCUMULATORS = 24;
float dpbf16_peak(std::int64_t iters);
std::int32_t dpbusd_peak(std::int64_t iters);

}  // namespace mm::avx512_lowp
