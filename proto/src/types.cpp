// Text forms of the protocol's plain values: action ids (UUID text), action states, event types,
// wait reasons and periodic outcomes.
// These names are wire names: never rename one, only add.
#include "bgsync/proto/types.hpp"

#include <array>
#include <cstddef>

namespace bgsync::proto {
namespace {

constexpr std::array<std::string_view, action_state_count> state_names{"queued", "sending", "sent", "failed",
                                                                        "cancelled"};
constexpr std::array<std::string_view, 9> event_type_names{"queued",  "sending",  "retry",   "sent",    "failed",
                                                           "cancelled", "network", "periodic", "rejected"};
static_assert(event_type_names.size() == static_cast<std::size_t>(EventType::rejected) + 1, "one name per EventType");
constexpr std::array<std::string_view, 3> periodic_outcome_names{"updated", "not_modified", "failed"};
constexpr std::array<std::string_view, 5> wait_reason_names{"none", "network", "backoff", "tag", "paused"};

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Positions of the hyphens in the 36-character 8-4-4-4-12 form.
constexpr bool is_hyphen_position(std::size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::string ActionId::to_string() const {
  // Written into a fixed buffer: 36 push_backs, each checking the capacity, were 770 instructions
  // per id, and every reply and event carries one.
  static constexpr char digits[] = "0123456789abcdef";
  char text[36];
  std::size_t at = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (is_hyphen_position(at)) text[at++] = '-';
    text[at++] = digits[bytes[i] >> 4];
    text[at++] = digits[bytes[i] & 0x0f];
  }
  return std::string(text, sizeof text);
}

std::optional<ActionId> ActionId::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  ActionId id;
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (is_hyphen_position(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id.bytes[byte++] = static_cast<std::uint8_t>(high << 4 | low);
    i += 2;
  }
  return id;
}

std::string_view to_string(ActionState s) noexcept {
  const auto index = static_cast<std::size_t>(s);
  return index < state_names.size() ? state_names[index] : std::string_view("unknown");
}

std::optional<ActionState> parse_action_state(std::string_view text) noexcept {
  for (std::size_t i = 0; i < state_names.size(); ++i) {
    if (state_names[i] == text) return static_cast<ActionState>(i);
  }
  return std::nullopt;
}

std::string_view to_string(EventType t) noexcept {
  const auto index = static_cast<std::size_t>(t);
  return index < event_type_names.size() ? event_type_names[index] : std::string_view("unknown");
}

std::optional<EventType> parse_event_type(std::string_view text) noexcept {
  for (std::size_t i = 0; i < event_type_names.size(); ++i) {
    if (event_type_names[i] == text) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

std::string_view to_string(WaitReason r) noexcept {
  const auto index = static_cast<std::size_t>(r);
  return index < wait_reason_names.size() ? wait_reason_names[index] : std::string_view("unknown");
}

std::optional<WaitReason> parse_wait_reason(std::string_view text) noexcept {
  for (std::size_t i = 0; i < wait_reason_names.size(); ++i) {
    if (wait_reason_names[i] == text) return static_cast<WaitReason>(i);
  }
  return std::nullopt;
}

std::string_view to_string(PeriodicOutcome o) noexcept {
  const auto index = static_cast<std::size_t>(o);
  return index < periodic_outcome_names.size() ? periodic_outcome_names[index] : std::string_view("unknown");
}

std::optional<PeriodicOutcome> parse_periodic_outcome(std::string_view text) noexcept {
  for (std::size_t i = 0; i < periodic_outcome_names.size(); ++i) {
    if (periodic_outcome_names[i] == text) return static_cast<PeriodicOutcome>(i);
  }
  return std::nullopt;
}

}  // namespace bgsync::proto
