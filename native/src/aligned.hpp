// 64-byte aligned heap buffers for baseline code (timing inputs, packing scratch,
// probe arrays). Plain C++ only: no intrinsics, so it is safe to include anywhere.
#pragma once

#include <cstdlib>
#include <memory>
#include <new>

namespace mm {

struct FreeDeleter {
    void operator()(void* p) const {
        std::free(p);
    }
};

using AlignedBuffer = std::unique_ptr<void, FreeDeleter>;

// `bytes` rounded up to whole 64-byte lines (at least one); throws std::bad_alloc.
inline AlignedBuffer aligned_bytes(std::size_t bytes) {
    std::size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    if (p == nullptr) throw std::bad_alloc();
    return AlignedBuffer(p);
}

}  // namespace mm
