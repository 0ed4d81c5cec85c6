// Equal slices of k and equal row blocks of m (see mm/slicing.hpp). Baseline x86-64.
#include "mm/slicing.hpp"

#include <algorithm>

namespace mm {
namespace {

std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

}  // namespace

std::int64_t even_depth(std::int64_t k, std::int64_t kc, std::int64_t align) {
    kc = std::max<std::int64_t>(kc, 1);
    if (k < 1) return kc;
    const std::int64_t slices = (k + kc - 1) / kc;
    const std::int64_t even = (k + slices - 1) / slices;
    const std::int64_t aligned = round_up(even, std::max<std::int64_t>(align, 1));
    return aligned <= kc ? aligned : even;
}

std::int64_t even_rows(std::int64_t m, std::int64_t mc, std::int64_t mr) {
    mr = std::max<std::int64_t>(mr, 1);
    mc = std::max(mc, mr);
    if (m < 1) return mc;
    const std::int64_t blocks = (m + mc - 1) / mc;
    return std::min(mc, round_up((m + blocks - 1) / blocks, mr));
}

}  // namespace mm
