// AVX2 + FMA kernels and probes. Declarations only: safe to include from baseline
// code (registry.cpp, probes.cpp); the definitions live in the -mavx2 -mfma files.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx2 {

// Probe (read_peak.cpp): the sum of n floats (64-byte aligned, n a multiple of 128) read
// `passes` times with 256-bit loads; the cache read bandwidth probe's loop.
float read_sum_f32(const float* buf, std::int64_t n, std::int64_t passes);

// Step 3 (simd.cpp): i-k-j with explicit 256-bit FMA, no register blocking.
void gemm_simd_f32(const GemmArgs& args, const Blocking& blk);
void gemm_simd_f64(const GemmArgs& args, const Blocking& blk);
// Also in simd.cpp: the m == 1 case of the packed kernels (row vector × matrix).
void gemv_f32(const GemmArgs& args);
void gemv_f64(const GemmArgs& args);
// Also in simd.cpp: the skinny path, any shape (m == 1, n == 1, small k stream once).
void gemm_skinny_f32(const GemmArgs& args, const Blocking& blk);
void gemm_skinny_f64(const GemmArgs& args, const Blocking& blk);

// Step 4 (ukr_4x16.cpp, ukr_5x16.cpp): register-blocked outer products on A and B
// in place, 8 and 10 accumulators, no packing.
void gemm_ukr_4x16_f32(const GemmArgs& args, const Blocking& blk);
void gemm_ukr_5x16_f32(const GemmArgs& args, const Blocking& blk);
void gemm_ukr_6x8_f64(const GemmArgs& args, const Blocking& blk);  // ukr_6x8.cpp

// Step 5 (packed_6x16.cpp, packed_6x8.cpp): micro-kernels for the portable 5-loop
// driver (gemm_loops.hpp). Their table blocking: MR×NR, and as a reference the
// model's MC, KC, NC on a Zen 3 core (32 KiB L1d, 512 KiB L2, 32 MiB L3); at run
// time the model works on the detected caches (mm/blocking.hpp).
constexpr Blocking PACKED_6X16_F32{6, 16, 252, 256, 8192};
constexpr Blocking PACKED_6X8_F64{6, 8, 126, 256, 4096};
void ukr_6x16_f32(std::int64_t k,
                  const float* a_packed,
                  const float* b_packed,
                  float* c,
                  std::int64_t ldc,
                  bool accumulate);
void ukr_6x8_f64(std::int64_t k,
                 const double* a_packed,
                 const double* b_packed,
                 double* c,
                 std::int64_t ldc,
                 bool accumulate);
void gemm_packed_6x16_f32(const GemmArgs& args, const Blocking& blk);
void gemm_packed_6x8_f64(const GemmArgs& args, const Blocking& blk);

// The bf16 ladder on AVX2 (A, B bfloat16, C f32; f32 FMAs on exact widenings), driven by
// bf16_loops.cpp. Table blockings: 6x16 and, as a reference, the model's blocks on a
// Zen 3 core with each operand at its packed size (see the kernel files).
//   widen_pack_6x16.cpp: A and B widened to f32 in the packers, packed_6x16's kernel.
//   widen_ukr_6x16.cpp:  B kept bf16 in its panels and widened in the micro-kernel.
constexpr Blocking WIDEN_PACK_6X16_BF16{6, 16, 252, 256, 8192};
constexpr Blocking WIDEN_UKR_6X16_BF16{6, 16, 126, 512, 8192};
void gemm_widen_pack_6x16_bf16(const GemmArgs& args, const Blocking& blk);
void gemm_widen_ukr_6x16_bf16(const GemmArgs& args, const Blocking& blk);

// Machine probe (fma_peak.cpp): `iters` rounds of independent FMAs on 12 ymm
// accumulators; returns a value derived from them so the work cannot be elided.
constexpr int FMA_PEAK_ACCUMULATORS = 12;
float fma_peak_f32(std::int64_t iters, float mul, float add);
double fma_peak_f64(std::int64_t iters, double mul, double add);

}  // namespace mm::avx2
