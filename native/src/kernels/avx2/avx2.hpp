// AVX2 + FMA kernels and probes. Declarations only: safe to include from baseline
// code (registry.cpp, probes.cpp); the definitions live in the -mavx2 -mfma files.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx2 {

// Machine probe (fma_peak.cpp): `iters` rounds of independent FMAs on 12 ymm
// accumulators; returns a value derived from them so the work cannot be elided.
constexpr int FMA_PEAK_ACCUMULATORS = 12;
float fma_peak_f32(std::int64_t iters, float mul, float add);
double fma_peak_f64(std::int64_t iters, double mul, double add);

}  // namespace mm::avx2
