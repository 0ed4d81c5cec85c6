// The portable 5-loop (Goto / BLIS) driver. ISA files supply only a micro-kernel and
// its Blocking; loops, packing and edge handling live here, compiled for baseline
// x86-64. Declarations only: the templates are instantiated in gemm_loops.cpp, so an
// ISA-flagged file including this header cannot leak wide instructions into shared
// inline code (ODR hygiene, STYLE.md B3.3).
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm {

// Computes one full MR×NR tile: C = A_panel·B_panel (+ C when accumulate), where
// a_packed holds k columns of MR elements and b_packed k rows of NR elements.
template <typename T>
using UkrFn = void (*)(std::int64_t k,
                       const T* a_packed,
                       const T* b_packed,
                       T* c,
                       std::int64_t ldc,
                       bool accumulate);

// C = A·B for row-major arrays of any shape, using `ukr` on MR×NR tiles and
// packing A into MC×KC and B into KC×NC blocks (64-byte aligned, zero-padded).
template <typename T>
void gemm_packed(const GemmArgs& args, const Blocking& blk, UkrFn<T> ukr);

extern template void gemm_packed<float>(const GemmArgs&, const Blocking&, UkrFn<float>);
extern template void gemm_packed<double>(const GemmArgs&, const Blocking&, UkrFn<double>);

}  // namespace mm
