// Portable reference kernels (baseline x86-64). Declarations only.
#pragma once

#include "mm/types.hpp"

namespace mm::ref {

void gemm_naive_f32(const GemmArgs& args, const Blocking& blk);
void gemm_naive_f64(const GemmArgs& args, const Blocking& blk);
void gemm_reorder_f32(const GemmArgs& args, const Blocking& blk);
void gemm_reorder_f64(const GemmArgs& args, const Blocking& blk);
void gemm_naive_bf16(const GemmArgs& args, const Blocking& blk);
void gemm_naive_int8(const GemmArgs& args, const Blocking& blk);

}  // namespace mm::ref
