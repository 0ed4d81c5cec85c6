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
};

}  // namespace mm
