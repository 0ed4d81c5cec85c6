// The 5-loop driver for the dot-product kernels (bf16 pairs, int8 quads). It has the
// shape of gemm_loops.cpp (jc -> pc -> ic -> jr -> ir, BLIS names), but its packed
// elements are 32-bit groups of G consecutive k (G = 2 bf16, G = 4 int8): one lane of
// VDPBF16PS / VPDPBUSD. Declarations only; lowp_loops.cpp instantiates the driver for
// the two element kinds, in this ISA folder, so no shared inline code gets its flags.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm::avx512_lowp {

// bf16: A and B bfloat16 bit patterns, C float.
struct Bf16 {
    using In = std::uint16_t;
    using Out = float;
    static constexpr int G = 2;                // k per 32-bit group (a "pair")
    static constexpr std::uint32_t A_XOR = 0;  // A is packed as is
    static constexpr bool CORRECT = false;     // no column correction
};

// int8: A and B signed bytes, C int32 (wrapping). VPDPBUSD multiplies unsigned by
// signed bytes, so A is packed as u8 = s8 + 128 (XOR 0x80 per byte) and each column of
// C is corrected by 128 * colsum(B) (see packed_14x32_int8.cpp).
struct Int8 {
    using In = std::int8_t;
    using Out = std::int32_t;
    static constexpr int G = 4;  // a "quad"
    static constexpr std::uint32_t A_XOR = 0x80808080u;
    static constexpr bool CORRECT = true;
};

// One full MR x NR tile: C = A_panel . B_panel (+ C when accumulate), over `groups`
// groups of k. a_packed holds `groups` rows of MR dwords, b_packed `groups` rows of NR
// dwords (64-byte aligned). col_corr (int8 only, else null) holds NR values subtracted
// from every row of the tile.
template <typename Out>
using LowpUkr = void (*)(std::int64_t groups,
                         const std::uint32_t* a_packed,
                         const std::uint32_t* b_packed,
                         Out* c,
                         std::int64_t ldc,
                         bool accumulate,
                         const std::int32_t* col_corr);

// C = A.B for row-major arrays of any shape with a 14 x 32 micro-kernel; MC, KC, NC
// from `blk` (KC counts elements of k; any value >= 1 works).
template <typename T>
void gemm_lowp_14x32(const GemmArgs& args, const Blocking& blk, LowpUkr<typename T::Out> ukr);

extern template void gemm_lowp_14x32<Bf16>(const GemmArgs&, const Blocking&, LowpUkr<float>);
extern template void gemm_lowp_14x32<Int8>(const GemmArgs&,
                                           const Blocking&,
                                           LowpUkr<std::int32_t>);

}  // namespace mm::avx512_lowp
