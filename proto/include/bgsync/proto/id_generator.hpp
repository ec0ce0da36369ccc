// Makes action ids: UUID version 7 (RFC 9562), so ids sort by creation time and the outbox's
// primary index is in enqueue order. Monotonic within one generator even when the clock stalls.
// bgsyncd makes the ids of enqueued actions with one; libbgsync those of spooled ones.
#pragma once

#include <cstdint>
#include <random>

#include "bgsync/proto/types.hpp"

namespace bgsync::proto {

class IdGenerator {
 public:
  IdGenerator();
  ActionId next();

 private:
  std::mt19937_64 rng_;
  std::uint64_t last_ms_ = 0;
  std::uint16_t counter_ = 0;  // the 12-bit rand_a field, used as a sequence within one ms
};

}  // namespace bgsync::proto
