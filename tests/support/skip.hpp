// How a test case that cannot run here (no D-Bus, no network namespaces, no python3, not root, ...)
// says so: a Catch2 WARN starting with BGSYNC_SKIP_MARKER, which CTest's SKIP_REGULAR_EXPRESSION
// (tests/CMakeLists.txt, read from this file) turns into "Skipped" instead of "Passed".
#pragma once

#include <catch2/catch.hpp>

// What CTest looks for in a test's output. tests/CMakeLists.txt reads it from this line: keep it a
// plain string literal on one line.
#define BGSYNC_SKIP_MARKER "SKIPPED: "

// Warns "SKIPPED: <reason>" (a WARN message: `<<` chains work) without returning, for a helper that
// hands "cannot run here" (a nullptr, false) back to a test case that then returns.
#define BGSYNC_WARN_SKIPPED(reason) WARN(BGSYNC_SKIP_MARKER << reason)

// Ends the current test case as skipped, with the reason. Call it before any check: CTest reports a
// test that printed the marker as skipped even if a check failed before it.
#define BGSYNC_SKIP(reason)         \
  do {                              \
    BGSYNC_WARN_SKIPPED(reason);    \
    return;                         \
  } while (false)
