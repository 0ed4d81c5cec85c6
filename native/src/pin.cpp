// Thread pinning shared by timing.cpp and probes.cpp.
#include "pin.hpp"

#include <pthread.h>

#include <stdexcept>
#include <string>

namespace mm {

CorePin::CorePin(int core) {
    if (core < 0) return;
    if (core >= CPU_SETSIZE) throw std::invalid_argument("pin core out of range");
    pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_);
    cpu_set_t want;
    CPU_ZERO(&want);
    CPU_SET(core, &want);
    if (pthread_setaffinity_np(pthread_self(), sizeof(want), &want) != 0) {
        throw std::invalid_argument("cannot pin to core " + std::to_string(core) +
                                    ": not available to this process");
    }
    active_ = true;
}

CorePin::~CorePin() {
    if (active_) pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
}

}  // namespace mm
