// An action's policy (expiry, attempts, backoff, not_before, collapse key, place in its tag) in JSON:
// written once and read once for both the enqueue request and the action object, so the two
// cannot drift apart. PROTOCOL.md's enqueue table and section 7.1 list the fields.
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"

#include <boost/json/string.hpp>

namespace bgsync::proto {
namespace json = boost::json;

namespace detail {

namespace {

json::value backoff_json(const Backoff& backoff) {
  return json::object{{"initial_ms", backoff.initial.count()},
                      {"max_ms", backoff.max.count()},
                      {"kind", to_string(backoff.kind)}};
}

Result<std::optional<Backoff>> backoff_from_json(const json::object& message) {
  const json::value* value = find_field(message, "backoff");
  if (value == nullptr) return std::optional<Backoff>();
  if (!value->is_object()) return bad_field("backoff", "must be an object {\"initial_ms\":..,\"max_ms\":..,\"kind\":..}");
  const json::object& o = value->get_object();
  Backoff backoff;
  if (auto r = required_millis(o, "initial_ms")) backoff.initial = *r; else return r.error();
  if (auto r = required_millis(o, "max_ms")) backoff.max = *r; else return r.error();
  auto kind = optional_enum<BackoffKind>(o, "kind", parse_backoff_kind, "exponential, linear");
  if (!kind) return kind.error();
  backoff.kind = kind->value_or(BackoffKind::exponential);
  return std::optional<Backoff>(backoff);
}

}  // namespace

void put_policy(json::object& o, const ActionPolicy& policy, bool every_field) {
  if (every_field || policy.expires_at) o["expires_at"] = time_or_null(policy.expires_at);
  if (every_field || policy.max_attempts) {
    o["max_attempts"] = policy.max_attempts ? json::value(*policy.max_attempts) : json::value(nullptr);
  }
  if (every_field || policy.backoff) {
    o["backoff"] = policy.backoff ? backoff_json(*policy.backoff) : json::value(nullptr);
  }
  if (every_field || policy.not_before) o["not_before"] = time_or_null(policy.not_before);
  if (every_field || !policy.collapse_key.empty()) o["collapse_key"] = text_or_null(policy.collapse_key);
  if (every_field || policy.on_failure != OnFailure::block) o["on_failure"] = to_string(policy.on_failure);
  if (every_field || policy.unordered) o["unordered"] = policy.unordered;
}

Result<ActionPolicy> policy_from_json(const json::object& o) {
  ActionPolicy p;
  if (auto r = optional_time(o, "expires_at")) p.expires_at = *r; else return r.error();
  if (auto r = optional_uint64(o, "max_attempts")) {
    if (*r) {
      if (**r < 1 || **r > max_attempts_limit) {
        return bad_field("max_attempts", "must be an integer 1.." + std::to_string(max_attempts_limit));
      }
      p.max_attempts = static_cast<std::uint32_t>(**r);
    }
  } else {
    return r.error();
  }
  if (auto r = backoff_from_json(o)) p.backoff = *r; else return r.error();
  if (auto r = optional_time(o, "not_before")) p.not_before = *r; else return r.error();
  if (auto r = optional_string(o, "collapse_key")) p.collapse_key = r->value_or(""); else return r.error();
  if (auto r = optional_enum<OnFailure>(o, "on_failure", parse_on_failure, "block, continue")) {
    p.on_failure = r->value_or(OnFailure::block);
  } else {
    return r.error();
  }
  if (auto r = optional_bool(o, "unordered")) p.unordered = r->value_or(false); else return r.error();
  return p;
}

}  // namespace detail

}  // namespace bgsync::proto
