// The lesson of every kernel (issue 24): its file's header comment and its marked inner
// loop, carried as data by the build (native/tools/lessons.py generates the table from the
// kernel files, so the text shown cannot drift from the code). Declarations only.
#pragma once

#include <span>

namespace mm {

struct Lesson {
    const char* id;      // kernel id, as in the kernel table
    const char* source;  // kernel file, relative to native/src
    const char* header;  // the file's opening comment, `//` markers removed
    const char* loop;    // the lines between `// [lesson:loop]` and `// [/lesson:loop]`
};

// Every row of the kernel table has one (the build fails otherwise), in table order.
std::span<const Lesson> all_lessons();

}  // namespace mm
