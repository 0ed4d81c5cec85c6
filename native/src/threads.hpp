// A persistent team of threads for the packed driver and the probes, BLIS style: the
// calling thread is member 0, members 1..n-1 are workers created once (before timing),
// each pinned to its own core of the process's allowed set. A job runs one function on
// every member and returns when all are done; inside a job members meet at barriers.
// Nothing allocates or creates a thread per job: the timed loop only wakes the workers.
// Baseline x86-64 code (no ISA flags), so any file may include this header.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace mm {

// The cores this process may run on (sched_getaffinity of the first caller, taken once,
// at module import: later affinity changes of one thread, e.g. the event loop stepping
// off the benchmark core, do not shrink it), ascending. A container's cpuset or a
// `taskset` shows up here.
const std::vector<int>& allowed_cores();

// The cores a team of `n` runs on: `first` (the caller's core; < 0: the last allowed
// one), then the other allowed cores in ascending order. Throws std::invalid_argument
// (one line) when n < 1, n is above the allowed count, or `first` is not allowed.
std::vector<int> team_cores(int first, int n);

// Part `part` of `parts` of [0, total) cut at multiples of `unit` into near-equal
// pieces (BLIS's thread ranges): boundaries fall on whole MR or NR panels, so only
// the matrix's own edge makes edge tiles. Empty when there is less work than parts.
struct Range {
    std::int64_t begin;
    std::int64_t end;
};
Range share(std::int64_t total, std::int64_t unit, int parts, int part);

// How a team of `members` covers C in the packed driver: `rows` groups take shares of
// the MR-row panels of m (the ic loop); when m has fewer row panels than members
// (m = 1, m < MR·members), each row group's `cols` members split the NR-column panels
// of every nc block too (the jr loop). rows·cols == members: nobody idles.
struct TeamGrid {
    int rows;
    int cols;
};
TeamGrid team_grid(int members, std::int64_t m, int MR);

// Worker threads of every ThreadPool alive in this process (tests: none outlives its run).
int live_pool_threads();

// Sense-reversing barrier for a fixed number of members: spins briefly, then sleeps
// in the kernel (C++20 atomic wait, a futex on Linux), so a member waiting on a
// descheduled one does not burn the core that member needs.
class Barrier {
public:
    explicit Barrier(int members) : members_(members) {}
    void wait();

private:
    int members_;
    std::atomic<int> arrived_{0};
    std::atomic<unsigned> phase_{0};
};

class ThreadPool {
public:
    // Starts cores.size() - 1 workers, worker i pinned to cores[i] (-1: not pinned,
    // for tests that need a team on any machine); cores[0] is the caller's (pinned by
    // the caller, e.g. CorePin). Throws std::invalid_argument when
    // a worker cannot be pinned to its core (the pool is torn down first).
    explicit ThreadPool(const std::vector<int>& cores);
    // Stops and joins every worker: no thread outlives the pool.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const {
        return static_cast<int>(workers_.size()) + 1;
    }

    // Runs f(member) on every member (the caller is member 0) and returns when all have
    // finished; rethrows the first exception a member threw. f must not throw between
    // barriers (the other members would wait forever): allocate before the job.
    template <typename F>
    void run(F& f) {
        run_job([](void* ctx, int member) { (*static_cast<F*>(ctx))(member); }, &f);
    }

    // Every member of the running job waits here until all have arrived.
    void barrier() {
        barrier_.wait();
    }

private:
    using JobFn = void (*)(void* ctx, int member);
    void run_job(JobFn fn, void* ctx);
    void worker(int member, int core);
    void shutdown();

    std::vector<std::thread> workers_;
    Barrier barrier_;
    JobFn fn_ = nullptr;
    void* ctx_ = nullptr;
    std::atomic<unsigned> generation_{0};  // bumped per job (and once to stop)
    std::atomic<int> pending_{0};          // workers still running the current job
    std::atomic<bool> stop_{false};
    std::atomic<int> pin_failed_{-1};  // a core a worker could not pin to
    std::exception_ptr error_;
    std::atomic<bool> has_error_{false};
};

}  // namespace mm
