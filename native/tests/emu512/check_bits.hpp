// What the stand-in checks (check_lowp_emu.cpp, amx_emu/check_amx_ops.cpp) share: a
// failure count with its "<what>: ok|FAIL" line, and the bit views of f32 and bf16 they
// compare. Test-only; on the include path of every harness (tests/native/cxx.py).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace check_bits {

inline int failures = 0;

inline void expect(bool ok, const std::string& what) {
    std::printf("%s: %s\n", what.c_str(), ok ? "ok" : "FAIL");
    if (!ok) ++failures;
}

inline std::uint16_t bf(float f) {  // exact bf16 of a value that has one
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<std::uint16_t>(u >> 16);
}

inline std::uint32_t bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

}  // namespace check_bits
