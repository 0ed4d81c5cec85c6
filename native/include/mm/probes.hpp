// Machine probes: the ceilings results are compared with (FMA throughput per ISA and
// single-core memory bandwidth). Declarations only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "mm/types.hpp"

namespace mm {

// Feature bits the FMA probe of `isa` needs: "avx2", "avx512" (FMA, f32/f64),
// "avx512_bf16" (VDPBF16PS, bf16), "avx512_vnni" (VPDPBUSD, int8), "amx" (TDPBF16PS
// bf16, TDPBSSD int8). Throws std::invalid_argument for any other name.
std::uint64_t fma_probe_requires(const std::string& isa);

// GFLOP/s (int8: GOP/s; 2 per multiply-add) of independent FMAs / dot products of
// `isa` on `dtype`, best of five runs lasting about `seconds` of thread CPU time in
// total, optionally pinned to `pin_core`. With threads > 1 the loop runs on that many
// pinned threads at once (pin_core first, then the other allowed cores) and the result
// is the sum of their rates: twice the one-thread figure on two cores means a unit per
// core, the same figure a shared one. Throws std::invalid_argument when the probe does
// not measure `dtype` or for a thread count the allowed cores cannot take,
// std::runtime_error when the CPU lacks the ISA (the instruction never runs) or the
// build lacks the probe.
double probe_fma_gflops(const std::string& isa,
                        DType dtype,
                        double seconds,
                        int pin_core,
                        int threads = 1);

// GB/s of a STREAM-style triad a[i] = b[i] + s·c[i] over three arrays of `bytes` in
// total (24 bytes counted per element), best of `repeats` passes (thread CPU time).
double probe_bandwidth_gbs(std::size_t bytes, int repeats, int pin_core);

// GB/s one core reads from a buffer of `bytes` (16 KiB .. 1 GiB) that stays in one cache
// level: 256-bit loads summed into 16 chains (kernels/avx2/read_peak.cpp), about 64 MiB read
// per repetition, best of `repeats` (thread CPU time). Throws std::runtime_error when the CPU
// or the build lacks AVX2 (nothing is executed), std::invalid_argument for a bad size.
double probe_read_gbs(std::size_t bytes, int repeats, int pin_core);

}  // namespace mm
