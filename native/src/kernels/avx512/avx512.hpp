// AVX-512 kernels and probes. Declarations only: safe to include from baseline code
// (registry.cpp, probes.cpp); the definitions live in the AVX-512-flagged files.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx512 {

// Machine probe (fma_peak.cpp): `iters` rounds of independent FMAs on 24 zmm
// accumulators; returns a value derived from them so the work cannot be elided.
constexpr int FMA_PEAK_ACCUMULATORS = 24;
float fma_peak_f32(std::int64_t iters, float mul, float add);
double fma_peak_f64(std::int64_t iters, double mul, double add);

}  // namespace mm::avx512
