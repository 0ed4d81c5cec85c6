// The packers of the five-loop driver: one function per register block, chosen once per
// call (definitions and packed layouts in gemm_pack.cpp).
#pragma once

#include <cstdint>

namespace mm {

// Packs an mc×kc block of A (or a kc×nc block of B): (rows, cols, src, ld, dst).
template <typename T>
using PackFn = void (*)(std::int64_t, std::int64_t, const T*, std::int64_t, T*);

// The A packer for MR-row panels; throws std::logic_error for an MR no kernel uses.
template <typename T>
PackFn<T> a_packer(int MR);

// The B packer for NR-column panels; throws std::logic_error for an NR no kernel uses.
template <typename T>
PackFn<T> b_packer(int NR);

extern template PackFn<float> a_packer<float>(int MR);
extern template PackFn<double> a_packer<double>(int MR);
extern template PackFn<float> b_packer<float>(int NR);
extern template PackFn<double> b_packer<double>(int NR);

}  // namespace mm
