// Step 1 of the bf16 and int8 ladders: the i-j-k triple loop, C[m×n] = A[m×k]·B[k×n],
// row-major, and the oracles every low-precision kernel is tested against.
//
//   bf16: A and B are bfloat16 bit patterns (uint16_t), C is f32. Each bf16 is widened
//         exactly to f32, the product of two 8-bit significands is exact in f32, and
//         the sum runs sequentially in f32: the arithmetic of VDPBF16PS / TDPBF16PS
//         with the plainest possible order of additions.
//   int8: A and B are signed int8, C is int32 and wraps on overflow (no saturation):
//         the semantics of AMX TDPBSSD and torch._int_mm. Signed overflow is undefined
//         in C++, so the sum runs in uint32_t (wrapping by definition) and is converted
//         back, which C++20 defines as modulo 2^32: exact for the whole -128..127 range.
//
// Same memory behaviour as ref.naive.f32 (a column walk of B per C element), no
// blocking (Blocking is all zero); compiled for baseline x86-64, so these run on every
// CPU and the whole bf16/int8 path works everywhere.
#include <cstdint>

#include "kernels/ref/ref.hpp"
#include "mm/bf16.hpp"

namespace mm::ref {

void gemm_naive_bf16(const GemmArgs& g, const Blocking& /*blk*/) {
    const auto* A = static_cast<const std::uint16_t*>(g.a);
    const auto* B = static_cast<const std::uint16_t*>(g.b);
    auto* C = static_cast<float*>(g.c);
    // [lesson:loop]
    for (std::int64_t i = 0; i < g.m; ++i) {
        for (std::int64_t j = 0; j < g.n; ++j) {
            float sum = 0;
            for (std::int64_t p = 0; p < g.k; ++p) {
                sum += f32_from_bf16(A[i * g.lda + p]) * f32_from_bf16(B[p * g.ldb + j]);
            }
            C[i * g.ldc + j] = sum;
        }
    }
    // [/lesson:loop]
}

void gemm_naive_int8(const GemmArgs& g, const Blocking& /*blk*/) {
    const auto* A = static_cast<const std::int8_t*>(g.a);
    const auto* B = static_cast<const std::int8_t*>(g.b);
    auto* C = static_cast<std::int32_t*>(g.c);
    for (std::int64_t i = 0; i < g.m; ++i) {
        for (std::int64_t j = 0; j < g.n; ++j) {
            std::uint32_t sum = 0;
            for (std::int64_t p = 0; p < g.k; ++p) {
                const std::int32_t prod = std::int32_t{A[i * g.lda + p]} * B[p * g.ldb + j];
                sum += static_cast<std::uint32_t>(prod);
            }
            C[i * g.ldc + j] = static_cast<std::int32_t>(sum);
        }
    }
}

}  // namespace mm::ref
