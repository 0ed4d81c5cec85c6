// How a driver cuts m and k into its blocks at run time: into equal pieces, never a
// full run of MC- or KC-blocks and a short remainder (the blocking step after the model
// or `tune` chose MC and KC, shared by every packed driver: f32/f64, the AVX-512 dot
// products, AMX). Why: a short k slice still loads and stores the whole C once more for
// a fraction of the work (1024 int8 at KC 768 ran as 768 + 256; as 2 x 512 AMX gained
// 4 % on Sapphire Rapids), and a short row block packs A and pulls every B micro-panel
// from L3 for a few micro-kernel calls (2048 at MC 672 left a block of 32 rows).
// Baseline code with no dependencies (declarations only; slicing.cpp): any driver, of
// any ISA folder, and the emulator harnesses may call it.
#pragma once

#include <cstdint>

namespace mm {

// Depth of each of the ceil(k / KC) slices of k, all equal but the last (which may be
// shorter by less than `align`): ceil(k / slices) rounded up to a multiple of `align`
// when that still fits KC, else unrounded. 1 <= result <= max(KC, 1); k < 1 gives KC.
std::int64_t even_depth(std::int64_t k, std::int64_t kc, std::int64_t align);

// Rows of each of the ceil(m / MC) row blocks of m: ceil(m / blocks) rounded up to a
// multiple of MR (MC is one, so this fits MC). m < 1 gives MC.
std::int64_t even_rows(std::int64_t m, std::int64_t mc, std::int64_t mr);

}  // namespace mm
