// Daemon: wires bgsyncd's parts together and runs them on one io_context thread. The LMDB writer
// (group commit) is the only other thread. See docs/architecture.md for the picture.
#pragma once

#include "daemon/options.hpp"

namespace bgsync::daemon {

// Runs until SIGTERM or SIGINT. Returns the process exit code: 0 after a clean stop, 1 when it
// could not start (the reason is logged).
int run_daemon(const DaemonOptions& options);

}  // namespace bgsync::daemon
