// Spawning bgsyncd inside a network namespace: the child of posix_spawn inherits the spawning
// thread's namespace, so the spawn runs while this thread is in it.
#include "tests/netns/netns_daemon.hpp"

#include "tests/netns/netns_topology.hpp"

namespace bgsync::test {

NetnsDaemon::NetnsDaemon(std::string netns)
    : DaemonProcess([netns = std::move(netns)](const std::function<void()>& spawn) {
        const ScopedNetns in(netns);
        spawn();
      }) {}

}  // namespace bgsync::test
