// The probe loops by ISA and dtype (probe_loops.cpp), for probes.cpp. Internal.
#pragma once

#include <cstdint>
#include <string>

#include "mm/types.hpp"

namespace mm {

// One probe loop and the operations one of its iterations performs.
struct FmaLoop {
    double (*run)(std::int64_t iters);  // returns a value derived from the accumulators
    double flops_per_iter;
};

// The loop that measures `isa` for `dt`. Throws std::invalid_argument for a dtype the
// ISA has no probe of, std::runtime_error when the ISA was not compiled in.
FmaLoop fma_loop(const std::string& isa, DType dt);

// The dtypes each probe measures (the FMA probes f32/f64, the dot products their own).
bool probe_measures(const std::string& isa, DType dt);

}  // namespace mm
