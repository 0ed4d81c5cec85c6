// AVX-512 kernels and probes. Declarations only: safe to include from baseline code
// (registry.cpp, probes.cpp); the definitions live in the AVX-512-flagged files.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx512 {

// Step 6 (packed_14x32.cpp, packed_14x16.cpp): micro-kernels for the portable
// 5-loop driver (gemm_loops.hpp). Table blocking: MR×NR and, as a reference, the
// model's MC, KC, NC on a 32 KiB L1d / 512 KiB L2 / 32 MiB L3 core (run time: the
// model on the detected caches, mm/blocking.hpp).
constexpr Blocking PACKED_14X32_F32{14, 32, 504, 128, 16384};
constexpr Blocking PACKED_14X16_F64{14, 16, 252, 128, 8192};
void ukr_14x32_f32(std::int64_t k,
                   const float* a_packed,
                   const float* b_packed,
                   float* c,
                   std::int64_t ldc,
                   bool accumulate);
void ukr_14x16_f64(std::int64_t k,
                   const double* a_packed,
                   const double* b_packed,
                   double* c,
                   std::int64_t ldc,
                   bool accumulate);
void gemm_packed_14x32_f32(const GemmArgs& args, const Blocking& blk);
void gemm_packed_14x16_f64(const GemmArgs& args, const Blocking& blk);

// Machine probe (fma_peak.cpp): `iters` rounds of independent FMAs on 24 zmm
// accumulators; returns a value derived from them so the work cannot be elided.
constexpr int FMA_PEAK_ACCUMULATORS = 24;
float fma_peak_f32(std::int64_t iters, float mul, float add);
double fma_peak_f64(std::int64_t iters, double mul, double add);

}  // namespace mm::avx512
