// Pins the calling thread to one core for a scope (timing and probes). Baseline code.
#pragma once

#include <sched.h>

namespace mm {

// Pins the calling thread to `core` for its lifetime and restores the old mask after;
// core < 0 does nothing. Throws std::invalid_argument if the core is not available.
class CorePin {
public:
    explicit CorePin(int core);
    ~CorePin();
    CorePin(const CorePin&) = delete;
    CorePin& operator=(const CorePin&) = delete;

private:
    cpu_set_t saved_{};
    bool active_ = false;
};

}  // namespace mm
