// The commit queue's publish rule (publish_policy.hpp): which bound is reached, and when the next
// one will be.
#include "daemon/store/publish_policy.hpp"

#include <algorithm>

namespace bgsync::store {

bool PublishPolicy::publish_now(const PublishState& s, TimePoint now) noexcept {
  if (s.unpublished == 0) return false;
  if (s.stopping || s.unpublished_bytes >= max_bytes) return true;
  if (now < s.retry_not_before) return false;
  return s.readers_waiting || now >= s.first_unpublished + max_age || (s.idle && now >= s.last_batch + idle);
}

std::optional<PublishPolicy::TimePoint> PublishPolicy::wake_at(const PublishState& s) noexcept {
  if (s.unpublished == 0) return std::nullopt;
  return std::max(std::min(s.last_batch + idle, s.first_unpublished + max_age), s.retry_not_before);
}

}  // namespace bgsync::store
