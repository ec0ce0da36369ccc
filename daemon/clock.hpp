// The daemon's one wall clock: what the outbox records as an action's times, and what schedulers
// compare them with. Millisecond precision, as the protocol carries times. Header-only, so that
// every part of the daemon (the store included) reads the same clock without a link dependency.
#pragma once

#include <chrono>

#include "bgsync/proto/types.hpp"

namespace bgsync::daemon {

inline proto::TimePoint now_ms() noexcept {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace bgsync::daemon
