// The kernel table and the runtime dispatch questions asked of it.
#pragma once

#include <cstdint>
#include <span>

#include "mm/kernel.hpp"

namespace mm {

// Every kernel compiled into this module, grouped by dtype, in ladder order (top
// step first); not a ranking: the host's fastest is measured, never read off it.
std::span<const KernelInfo> all_kernels();

// nullptr when no kernel has this id.
const KernelInfo* find(const char* id);

// Feature bits `info` needs that this CPU (after masking) lacks; 0 = supported.
std::uint64_t missing_features(const KernelInfo& info);

inline bool is_supported(const KernelInfo& info) {
    return missing_features(info) == 0;
}

}  // namespace mm
