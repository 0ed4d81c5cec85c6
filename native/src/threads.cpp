// The persistent, pinned thread team (see threads.hpp).
#include "threads.hpp"

#include <pthread.h>
#include <sched.h>

#include <emmintrin.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mm {
namespace {

std::atomic<int> g_live_workers{0};

std::string core_list(const std::vector<int>& cores) {
    std::string out;
    for (int c : cores) out += (out.empty() ? "" : ",") + std::to_string(c);
    return out;
}

// Spins this many pause instructions before sleeping: a barrier between two busy
// cores is met within microseconds; a longer wait means a member was descheduled.
constexpr int SPIN = 4000;

}  // namespace

const std::vector<int>& allowed_cores() {
    static const std::vector<int> cores = [] {
        cpu_set_t set;
        CPU_ZERO(&set);
        std::vector<int> out;
        if (sched_getaffinity(0, sizeof(set), &set) == 0) {
            for (int c = 0; c < CPU_SETSIZE; ++c) {
                if (CPU_ISSET(c, &set)) out.push_back(c);
            }
        }
        if (out.empty()) out.push_back(0);
        return out;
    }();
    return cores;
}

std::vector<int> team_cores(int first, int n) {
    const std::vector<int>& allowed = allowed_cores();
    const int have = static_cast<int>(allowed.size());
    if (n < 1) throw std::invalid_argument("threads must be >= 1, got " + std::to_string(n));
    if (n > have) {
        throw std::invalid_argument(std::to_string(n) + " threads asked for, but this process may "
                                    "use only " + std::to_string(have) + " core" +
                                    (have == 1 ? "" : "s") + " (" + core_list(allowed) + ")");
    }
    if (first < 0) first = allowed.back();
    if (std::find(allowed.begin(), allowed.end(), first) == allowed.end()) {
        throw std::invalid_argument("core " + std::to_string(first) +
                                    " is not in this process's allowed set (" +
                                    core_list(allowed) + ")");
    }
    std::vector<int> out{first};
    for (int c : allowed) {
        if (static_cast<int>(out.size()) == n) break;
        if (c != first) out.push_back(c);
    }
    return out;
}

Range share(std::int64_t total, std::int64_t unit, int parts, int part) {
    const std::int64_t units = (total + unit - 1) / unit;
    const std::int64_t base = units / parts, extra = units % parts;
    const std::int64_t first = part * base + std::min<std::int64_t>(part, extra);
    const std::int64_t count = base + (part < extra ? 1 : 0);
    return {std::min(first * unit, total), std::min((first + count) * unit, total)};
}

TeamGrid team_grid(int members, std::int64_t m, int MR) {
    const std::int64_t panels = (m + MR - 1) / MR;
    int rows = static_cast<int>(std::min<std::int64_t>(members, panels));
    while (members % rows != 0) --rows;  // the largest divisor that has row panels
    return {rows, members / rows};
}

int live_pool_threads() {
    return g_live_workers.load();
}

void Barrier::wait() {
    if (members_ <= 1) return;
    const unsigned phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == members_) {
        arrived_.store(0, std::memory_order_relaxed);
        phase_.store(phase + 1, std::memory_order_release);
        phase_.notify_all();
        return;
    }
    for (int i = 0; i < SPIN; ++i) {
        if (phase_.load(std::memory_order_acquire) != phase) return;
        _mm_pause();
    }
    while (phase_.load(std::memory_order_acquire) == phase) phase_.wait(phase);
}

ThreadPool::ThreadPool(const std::vector<int>& cores)
    : barrier_(std::max<int>(1, static_cast<int>(cores.size()))) {
    workers_.reserve(cores.size());
    try {
        for (std::size_t i = 1; i < cores.size(); ++i) {
            workers_.emplace_back(&ThreadPool::worker, this, static_cast<int>(i), cores[i]);
        }
    } catch (...) {
        shutdown();
        throw;
    }
    // A first, empty job: returns once every worker runs, pinned (or failed to pin).
    auto nothing = [](int) {};
    run(nothing);
    const int bad = pin_failed_.load();
    if (bad >= 0) {
        shutdown();
        throw std::invalid_argument("cannot pin a thread to core " + std::to_string(bad) +
                                    ": not available to this process");
    }
}

ThreadPool::~ThreadPool() {
    shutdown();
}

void ThreadPool::shutdown() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& t : workers_) {
        if (t.joinable()) t.join();
    }
    workers_.clear();
}

void ThreadPool::worker(int member, int core) {
    g_live_workers.fetch_add(1);
    if (core >= 0) {
        cpu_set_t want;
        CPU_ZERO(&want);
        if (core < CPU_SETSIZE) CPU_SET(core, &want);
        if (core >= CPU_SETSIZE ||
            pthread_setaffinity_np(pthread_self(), sizeof(want), &want) != 0) {
            pin_failed_.store(core);
        }
    }
    unsigned seen = 0;
    for (;;) {
        for (int i = 0; i < SPIN && generation_.load(std::memory_order_acquire) == seen; ++i) {
            _mm_pause();
        }
        while (generation_.load(std::memory_order_acquire) == seen) generation_.wait(seen);
        seen = generation_.load(std::memory_order_acquire);
        if (stop_.load(std::memory_order_acquire)) break;
        try {
            fn_(ctx_, member);
        } catch (...) {
            if (!has_error_.exchange(true)) error_ = std::current_exception();
        }
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
    g_live_workers.fetch_sub(1);
}

void ThreadPool::run_job(JobFn fn, void* ctx) {
    fn_ = fn;
    ctx_ = ctx;
    has_error_.store(false);
    error_ = nullptr;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    std::exception_ptr mine;
    try {
        fn(ctx, 0);
    } catch (...) {
        mine = std::current_exception();
    }
    for (int left; (left = pending_.load(std::memory_order_acquire)) != 0;) {
        pending_.wait(left);
    }
    if (mine) std::rethrow_exception(mine);
    if (has_error_.load()) std::rethrow_exception(error_);
}

}  // namespace mm
