// Bindings: the process's allowed cores and the live team workers (for tests).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "threads.hpp"

namespace py = pybind11;

void register_threads(py::module_& m) {
    mm::allowed_cores();  // the snapshot is taken now, at import, before any run moves a thread
    m.def(
        "allowed_cores", []() { return mm::allowed_cores(); },
        "Return the cores this process may run on (its affinity mask at import), ascending.");
    m.def(
        "team_cores",
        [](int first, int threads) {
            try {
                return mm::team_cores(first, threads);
            } catch (const std::invalid_argument& e) {
                throw py::value_error(e.what());
            }
        },
        py::arg("first"), py::arg("threads"),
        "Return the cores a team of threads runs on: first (< 0: the last allowed core), then "
        "the other allowed cores ascending. Raises ValueError (one line) when threads < 1 or "
        "above the allowed count.");
    m.def("live_pool_threads", &mm::live_pool_threads,
          "Return how many team worker threads are alive in this process (0 between runs).");
}
