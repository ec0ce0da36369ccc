// The descriptor budget: raise the soft limit, keep half of it for everything but clients.
#include "daemon/fd_budget.hpp"

#include <algorithm>

#include <sys/resource.h>

namespace bgsync::daemon {

FdBudget fd_budget(std::size_t limit) noexcept {
  return FdBudget{limit, std::clamp<std::size_t>(limit / 2, 16, 4096)};
}

FdBudget raise_fd_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return fd_budget(1024);
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  // RLIM_INFINITY, or a hard limit past what any budget here needs.
  const rlim_t usable = std::min<rlim_t>(limit.rlim_cur, rlim_t{1} << 20);
  return fd_budget(static_cast<std::size_t>(usable));
}

}  // namespace bgsync::daemon
