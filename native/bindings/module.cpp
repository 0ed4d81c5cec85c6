// sshapp._native: the compiled matmul engine. This file only wires the topics.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_cpu(py::module_& m);
void register_kernels(py::module_& m);
void register_timing(py::module_& m);
void register_probes(py::module_& m);
void register_threads(py::module_& m);
void register_lessons(py::module_& m);

PYBIND11_MODULE(_native, m) {
    m.doc() = "sshapp's native matmul kernels, CPU detection and timing.";
    register_cpu(m);
    register_kernels(m);
    register_timing(m);
    register_probes(m);
    register_threads(m);
    register_lessons(m);
}
