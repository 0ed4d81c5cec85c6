// Timing of one kernel: inputs allocated 64-byte aligned and filled once, warm-up
// calls, then samples. Inside a sample there is nothing but kernel calls between two
// steady_clock reads: no allocation, no Python (the sample callback runs after the
// clock stops). Small problems repeat the call until a sample lasts
// min_sample_seconds, so clock resolution and call overhead stay below 0.1 %.
#include "mm/timing.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "aligned.hpp"
#include "mm/blocking.hpp"
#include "pin.hpp"
#include "threads.hpp"

namespace mm {
namespace {

AlignedBuffer alloc_filled(DType dt, std::int64_t count, unsigned seed) {
    AlignedBuffer buf = aligned_bytes(static_cast<std::size_t>(count) * dtype_size(dt));
    void* p = buf.get();
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    if (dt == DType::F32) {
        auto* f = static_cast<float*>(p);
        for (std::int64_t i = 0; i < count; ++i) f[i] = static_cast<float>(dist(rng));
    } else {
        auto* d = static_cast<double*>(p);
        for (std::int64_t i = 0; i < count; ++i) d[i] = dist(rng);
    }
    return buf;
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

std::vector<int> team_cores_for(const KernelInfo& info, int threads, int pin_core) {
    if (threads == 1) return {};
    if (threads > 1 && !is_packed(info)) {
        throw std::invalid_argument(std::string(info.id) +
                                    " runs on one thread only (it does not pack; the packed "
                                    "kernels run threaded)");
    }
    return team_cores(pin_core, threads);
}

TimingResult time_gemm(const KernelInfo& info,
                       std::int64_t m,
                       std::int64_t n,
                       std::int64_t k,
                       const TimingOptions& opts,
                       const SampleFn& on_sample) {
    if (m < 1 || n < 1 || k < 1) throw std::invalid_argument("sizes must be >= 1");
    if (opts.repeats < 1) throw std::invalid_argument("repeats must be >= 1");
    AlignedBuffer a = alloc_filled(info.dtype, m * k, 1);
    AlignedBuffer b = alloc_filled(info.dtype, k * n, 2);
    AlignedBuffer c = alloc_filled(info.dtype, m * n, 3);
    const GemmArgs args_in{m, n, k, a.get(), k, b.get(), n, c.get(), n};

    const Blocking blk = opts.blocking.KC > 0 ? opts.blocking : model_blocking(info);
    const std::string bad = blocking_error(info, blk);
    if (!bad.empty()) throw std::invalid_argument(bad);

    // A threaded run: the team is created (and its workers pinned) before the first
    // call and joined when this function returns, cancelled or not.
    const std::vector<int> cores = team_cores_for(info, opts.threads, opts.pin_core);
    CorePin pin(cores.empty() ? opts.pin_core : cores[0]);
    std::optional<ThreadPool> team;
    GemmArgs args = args_in;
    if (!cores.empty()) args.team = &team.emplace(cores);
    TimingResult result;

    // Warm-up: caches, page faults, the driver's packing buffers, CPU clock ramp.
    auto t0 = Clock::now();
    info.fn(args, blk);
    double first = seconds_since(t0);
    for (int i = 1; i < opts.warmup; ++i) info.fn(args, blk);

    if (first < opts.min_sample_seconds) {
        double calls = std::ceil(opts.min_sample_seconds / std::max(first, 1e-9));
        result.calls_per_sample = static_cast<int>(std::min(calls, 1e6));
    }
    double timed = 0.0;
    for (int r = 0; r < opts.repeats; ++r) {
        auto start = Clock::now();
        for (int c_i = 0; c_i < result.calls_per_sample; ++c_i) info.fn(args, blk);
        double s = seconds_since(start);
        timed += s;
        double per_call = s / result.calls_per_sample;
        result.samples.push_back(per_call);
        if (on_sample && !on_sample(r, per_call)) {
            result.cancelled = true;
            break;
        }
        if (opts.budget_seconds > 0 && timed >= opts.budget_seconds) break;
    }
    return result;
}

}  // namespace mm
