// Timing of one kernel on inputs allocated and filled once, outside the timed loop.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "mm/kernel.hpp"

namespace mm {

struct TimingOptions {
    int warmup = 1;               // untimed calls before the first sample
    int repeats = 5;              // maximum number of samples
    double budget_seconds = 0.0;  // stop once this much was timed (0 = no budget)
    int pin_core = -1;            // pin the calling thread to this core while timing
    double min_sample_seconds = 2e-3;  // small sizes: repeat calls until a sample lasts this
    // Wall-clock limit of the whole call, warm-up included (0 = none). Checked between
    // calls: no call (warm-up) or sample starts once it has passed, or when it would end
    // after it at the pace of the previous one. A kernel call itself cannot be stopped.
    double deadline_seconds = 0.0;
    Blocking blocking{};  // cache blocks to run with (KC == 0: the model's, mm/blocking.hpp)
    int threads = 1;      // > 1: a pinned team (src/threads.hpp), packed kernels only
};

// Called after each sample, outside the timed region, with the sample's index and its
// seconds per call. Return false to stop early (cancellation).
using SampleFn = std::function<bool(int index, double seconds)>;

struct TimingResult {
    std::vector<double> samples;  // seconds per call, one per repetition
    int calls_per_sample = 1;
    bool cancelled = false;
    bool timed_out = false;  // stopped by deadline_seconds before repeats / budget were done
};

// The cores a run of `info` on `threads` threads uses, pin_core first (< 0: the last
// allowed core); empty for one thread. Throws std::invalid_argument (one line) for a
// thread count the kernel (not packed) or the process's allowed cores cannot take.
std::vector<int> team_cores_for(const KernelInfo& info, int threads, int pin_core);

TimingResult time_gemm(const KernelInfo& info,
                       std::int64_t m,
                       std::int64_t n,
                       std::int64_t k,
                       const TimingOptions& opts,
                       const SampleFn& on_sample);

}  // namespace mm
