// A real bgsyncd running inside a network namespace, for the netns tests and the benchmarks: the
// e2e DaemonProcess, spawned from a thread that entered the namespace, so the daemon (and its
// NetworkWatcher) sees only that namespace's links and routes, while its Unix socket — a file —
// is reached from here. Failures are exceptions, so benchmarks can use it outside a test run.
#pragma once

#include <string>

#include "tests/e2e/daemon_process.hpp"

namespace bgsync::test {

class NetnsDaemon : public DaemonProcess {
 public:
  explicit NetnsDaemon(std::string netns);
};

}  // namespace bgsync::test
