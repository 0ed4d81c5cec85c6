// One row of the kernel table: what a kernel is called, what it needs and how it
// blocks. Declarations only.
#pragma once

#include <cstdint>

#include "mm/types.hpp"

namespace mm {

// Every kernel takes its cache blocks at run time; MR and NR in `blk` must be the
// kernel's own (its micro-kernel is compiled for them), kernels that do not block
// ignore it.
using GemmFn = void (*)(const GemmArgs& args, const Blocking& blk);

struct KernelInfo {
    const char* id;       // "<isa>.<algorithm>.<dtype>", stable
    const char* summary;  // one line: what this step adds
    DType dtype;
    std::uint64_t required;  // Feature bits the CPU must have
    Blocking blocking;
    GemmFn fn;
    // Bytes per element of the packed A and B panels where a packer changes the element
    // type (0: the dtype's input size), e.g. the AVX2 bf16 kernels widen A (and one of
    // them B) to f32 while packing: the blocking model sizes each block by what it holds.
    std::uint8_t packed_a_bytes = 0;
    std::uint8_t packed_b_bytes = 0;
};

// Bytes per element of the packed A / B panels of `info`.
constexpr long packed_a_size(const KernelInfo& info) {
    return info.packed_a_bytes != 0 ? info.packed_a_bytes
                                    : static_cast<long>(dtype_size(info.dtype));
}
constexpr long packed_b_size(const KernelInfo& info) {
    return info.packed_b_bytes != 0 ? info.packed_b_bytes
                                    : static_cast<long>(dtype_size(info.dtype));
}

}  // namespace mm
