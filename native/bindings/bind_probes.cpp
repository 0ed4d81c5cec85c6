// Bindings: machine probes (FMA peak per ISA, memory bandwidth). GIL released.
#include <pybind11/pybind11.h>

#include <string>

#include "mm/probes.hpp"
#include "threads.hpp"

namespace py = pybind11;

mm::DType parse_dtype(const std::string& name);  // bind_kernels.cpp: the one table lookup

void register_probes(py::module_& m) {
    m.def(
        "probe_fma",
        [](const std::string& isa, const std::string& dtype, double seconds, int pin_core,
           int threads) {
            mm::DType dt = parse_dtype(dtype);
            mm::fma_probe_requires(isa);  // unknown ISA: ValueError before anything runs
            if (threads != 1) mm::team_cores(pin_core, threads);  // likewise a bad count
            py::gil_scoped_release release;
            return mm::probe_fma_gflops(isa, dt, seconds, pin_core, threads);
        },
        py::arg("isa"), py::arg("dtype"), py::kw_only(), py::arg("seconds") = 0.1,
        py::arg("pin_core") = -1, py::arg("threads") = 1,
        "Return the GFLOP/s of independent FMAs of isa ('avx2', 'avx512') on dtype ('f32', "
        "'f64'), or of dot products: 'avx512_bf16' on 'bf16', 'avx512_vnni' on 'int8', 'amx' "
        "on 'bf16' or 'int8' (GOP/s for int8; 2 per multiply-add), best of five runs lasting "
        "about seconds of CPU time in total; threads > 1: the sum over that many pinned "
        "threads running it at once. Raises ValueError for a dtype the probe does not "
        "measure, RuntimeError if this CPU lacks the ISA (nothing is executed).");
    m.def(
        "probe_bandwidth",
        [](std::size_t bytes, int repeats, int pin_core) {
            py::gil_scoped_release release;
            return mm::probe_bandwidth_gbs(bytes, repeats, pin_core);
        },
        py::kw_only(), py::arg("bytes") = std::size_t{288} << 20, py::arg("repeats") = 4,
        py::arg("pin_core") = -1,
        "Return single-core memory bandwidth in GB/s: a STREAM triad a = b + s*c over three "
        "arrays of bytes in total (24 bytes counted per element), best of repeats passes.");
    m.def(
        "probe_read",
        [](std::size_t bytes, int repeats, int pin_core) {
            py::gil_scoped_release release;
            return mm::probe_read_gbs(bytes, repeats, pin_core);
        },
        py::kw_only(), py::arg("bytes"), py::arg("repeats") = 5, py::arg("pin_core") = -1,
        "Return GB/s one core reads from a buffer of bytes (16 KiB .. 1 GiB: sized to stay in "
        "one cache level) with 256-bit loads, best of repeats. Raises ValueError for a bad "
        "size, RuntimeError without AVX2 (nothing is executed).");
}
