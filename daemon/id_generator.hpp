// Makes action ids: UUID version 7 (RFC 9562), so ids sort by creation time and the outbox's
// primary index is in enqueue order. Monotonic within one daemon even when the clock stalls.
#pragma once

#include <cstdint>
#include <random>

#include "bgsync/proto/types.hpp"

namespace bgsync::daemon {

class IdGenerator {
 public:
  IdGenerator();
  proto::ActionId next();

 private:
  std::mt19937_64 rng_;
  std::uint64_t last_ms_ = 0;
  std::uint16_t counter_ = 0;  // the 12-bit rand_a field, used as a sequence within one ms
};

}  // namespace bgsync::daemon
