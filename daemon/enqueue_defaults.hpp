// What bgsyncd fills in for an enqueue that left it out, in one place for the two doors an action
// comes in by: the socket (handlers/enqueue.cpp) and the spool (spool_intake.cpp).
#pragma once

#include <chrono>

#include "bgsync/proto/types.hpp"

namespace bgsync::daemon {

// expires_at: the request's own, else `created` plus its ttl, else plus the daemon's --default-ttl.
// Counted from `created`, so a request spooled while bgsyncd was down expires when it would have.
inline void fill_in_expiry(proto::EnqueueRequest& request, proto::TimePoint created,
                           std::chrono::milliseconds default_ttl) {
  if (!request.policy.expires_at) request.policy.expires_at = created + request.ttl.value_or(default_ttl);
}

}  // namespace bgsync::daemon
