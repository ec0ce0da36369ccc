// How many file descriptors bgsyncd may use, and how many of them client connections may take.
// Clients must never take them all: a leaky app that opens connections and never closes them
// would otherwise leave none for the sockets that send everybody's actions.
#pragma once

#include <cstddef>

namespace bgsync::daemon {

struct FdBudget {
  std::size_t limit = 0;            // RLIMIT_NOFILE's soft limit, after raise_fd_limit()
  std::size_t max_connections = 0;  // client connections accepted at once
};

// Raises the soft RLIMIT_NOFILE to the hard limit (bgsyncd waits with epoll, never select(), so a
// high limit costs nothing: systemd's advice to such services) and gives client connections half
// of the result, 16 to 4096. Never fails: without the raise it budgets what it has.
FdBudget raise_fd_limit() noexcept;

// The budget for a given soft limit.
FdBudget fd_budget(std::size_t limit) noexcept;

}  // namespace bgsync::daemon
