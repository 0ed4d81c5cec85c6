// Bindings: the lesson table (issue 24), generated at build time from the kernel files.
#include <pybind11/pybind11.h>

#include "mm/lesson.hpp"

namespace py = pybind11;

void register_lessons(py::module_& m) {
    m.def(
        "list_lessons",
        []() {
            py::list out;
            for (const auto& row : mm::all_lessons()) {
                py::dict d;
                d["id"] = row.id;
                d["source"] = row.source;
                d["header"] = row.header;
                d["loop"] = row.loop;
                out.append(d);
            }
            return out;
        },
        "Return every kernel's lesson, table order: id, source (the kernel file under "
        "native/src), header (its opening comment) and loop (its marked inner loop).");
}
