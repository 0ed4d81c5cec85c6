// Timing of one kernel: inputs allocated 64-byte aligned and filled once, warm-up
// calls, then samples. Inside a sample there is nothing but kernel calls between two
// steady_clock reads: no allocation, no Python (the sample callback runs after the
// clock stops). Small problems repeat the call until a sample lasts
// min_sample_seconds, so clock resolution and call overhead stay below 0.1 %.
// A deadline bounds the whole call, warm-up included: it is checked between warm-up
// calls and between samples (never inside one, which would time the clock too).
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
#include "mm/bf16.hpp"
#include "mm/blocking.hpp"
#include "pin.hpp"
#include "threads.hpp"

namespace mm {
namespace {

// How each dtype's inputs are drawn, one row per DTypeInfo row (same order):
// floats uniform in [-1, 1]; bf16 the same, rounded to nearest even; int8 uniform over
// the whole -128..127 range, so the timed data exercises every bit of the inputs.
using FillFn = void (*)(void* p, std::int64_t count, std::mt19937& rng);

template <typename T>
void fill_uniform(void* p, std::int64_t count, std::mt19937& rng) {
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    auto* x = static_cast<T*>(p);
    for (std::int64_t i = 0; i < count; ++i) x[i] = static_cast<T>(dist(rng));
}

void fill_bf16(void* p, std::int64_t count, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    auto* x = static_cast<std::uint16_t*>(p);
    for (std::int64_t i = 0; i < count; ++i) x[i] = bf16_from_f32(dist(rng));
}

void fill_int8(void* p, std::int64_t count, std::mt19937& rng) {
    std::uniform_int_distribution<int> dist(-128, 127);
    auto* x = static_cast<std::int8_t*>(p);
    for (std::int64_t i = 0; i < count; ++i) x[i] = static_cast<std::int8_t>(dist(rng));
}

constexpr FillFn FILL[] = {fill_uniform<float>, fill_uniform<double>, fill_bf16, fill_int8};
static_assert(sizeof(FILL) / sizeof(FILL[0]) == DTYPE_COUNT, "one fill per DTypeInfo row");

AlignedBuffer alloc_input(DType dt, std::int64_t count, unsigned seed) {
    AlignedBuffer buf = aligned_bytes(static_cast<std::size_t>(count) * dtype_info(dt).in_size);
    std::mt19937 rng(seed);
    FILL[static_cast<int>(dt)](buf.get(), count, rng);
    return buf;
}

// C is overwritten by every call; zeroing it only faults its pages in before timing.
AlignedBuffer alloc_output(DType dt, std::int64_t count) {
    const std::size_t bytes = static_cast<std::size_t>(count) * dtype_info(dt).out_size;
    AlignedBuffer buf = aligned_bytes(bytes);
    std::memset(buf.get(), 0, bytes);
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
                                    " runs on one thread only (the packed kernels run "
                                    "threaded)");
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
    AlignedBuffer a = alloc_input(info.dtype, m * k, 1);
    AlignedBuffer b = alloc_input(info.dtype, k * n, 2);
    AlignedBuffer c = alloc_output(info.dtype, m * n);
    const GemmArgs args_in{m, n, k, a.get(), k, b.get(), n, c.get(), n};

    const Blocking blk = opts.blocking.KC > 0
                             ? opts.blocking
                             : narrow_blocking(info, model_blocking(info), m, n, k);
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
    const auto begin = Clock::now();
    // Whether a step lasting `next` seconds may still start (it must end by the deadline).
    auto in_time = [&](double next) {
        if (opts.deadline_seconds <= 0) return true;
        if (seconds_since(begin) + next <= opts.deadline_seconds) return true;
        result.timed_out = true;
        return false;
    };

    // Warm-up: caches, page faults, the driver's packing buffers, CPU clock ramp.
    auto t0 = Clock::now();
    info.fn(args, blk);
    double first = seconds_since(t0);
    for (int i = 1; i < opts.warmup && in_time(first); ++i) info.fn(args, blk);
    if (result.timed_out) return result;

    if (first < opts.min_sample_seconds) {
        double calls = std::ceil(opts.min_sample_seconds / std::max(first, 1e-9));
        result.calls_per_sample = static_cast<int>(std::min(calls, 1e6));
    }
    double timed = 0.0;
    double last = first * result.calls_per_sample;
    for (int r = 0; r < opts.repeats && in_time(last); ++r) {
        auto start = Clock::now();
        for (int c_i = 0; c_i < result.calls_per_sample; ++c_i) info.fn(args, blk);
        double s = seconds_since(start);
        last = s;
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
