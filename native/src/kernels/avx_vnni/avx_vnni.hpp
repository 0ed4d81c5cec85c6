// AVX-VNNI (VEX VPDPBUSD on 256-bit registers) kernel and probe. Declarations only:
// safe to include from baseline code (registry.cpp, probes.cpp); the definitions live
// in this folder's files, compiled with -mavx2 -mfma -mavxvnni (no AVX-512 flags, so
// the compiler emits the VEX form: CPUs with AVX-VNNI but no AVX-512 run it).
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx_vnni {

// The int8 step on AVX-VNNI CPUs (packed_6x16_int8.cpp): u8 x s8 quads with A + 128
// and a column correction, 12 ymm accumulators. KC in elements of k (1 byte each).
constexpr Blocking PACKED_6X16_INT8{6, 16, 252, 1024, 8192};
void gemm_packed_6x16_int8(const GemmArgs& args, const Blocking& blk);

// Machine probe (dpbusd_peak.cpp): `iters` rounds of VEX VPDPBUSD on
// DPBUSD_PEAK_ACCUMULATORS independent ymm chains (64 OP each: 32 multiply-adds).
constexpr int DPBUSD_PEAK_ACCUMULATORS = 14;
std::int32_t dpbusd_peak(std::int64_t iters);

}  // namespace mm::avx_vnni
