// Text forms of the protocol's plain values: action ids (UUID text), action states, event types,
// wait reasons and periodic outcomes.
// These names are wire names: never rename one, only add.
#include "bgsync/proto/types.hpp"

#include <algorithm>
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
constexpr std::array<std::string_view, 8> wait_reason_names{"none",   "network", "backoff", "tag",
                                                            "paused", "held",    "blocked", "not_before"};
constexpr std::array<std::string_view, 2> backoff_kind_names{"exponential", "linear"};
constexpr std::array<std::string_view, 2> on_failure_names{"block", "continue"};

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An enum's wire name by index, and back: every enum below is numbered from 0 in its table's order.
template <class T, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, T value) noexcept {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? names[index] : std::string_view("unknown");
}

template <class T, std::size_t N>
std::optional<T> value_of(const std::array<std::string_view, N>& names, std::string_view text) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<T>(i);
  }
  return std::nullopt;
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

std::optional<ActionRef> ActionRef::parse(std::string_view text) {
  ActionRef ref;
  ref.digits = 0;
  std::optional<std::size_t> dash_after;  // the digit count at the last dash: one dash per place
  for (const char c : text) {
    if (c == '-') {
      // A dash goes only where the canonical form has one (after 8, 12, 16 or 20 digits).
      const bool canonical_place = ref.digits == 8 || ref.digits == 12 || ref.digits == 16 || ref.digits == 20;
      if (!canonical_place || dash_after == ref.digits) return std::nullopt;
      dash_after = ref.digits;
      continue;
    }
    const int value = hex_value(c);
    if (value < 0 || ref.digits == 32) return std::nullopt;
    ref.bytes[ref.digits / 2] |= static_cast<std::uint8_t>(ref.digits % 2 == 0 ? value << 4 : value);
    ++ref.digits;
  }
  if (ref.digits < min_digits) return std::nullopt;
  return ref;
}

std::optional<ActionId> ActionRef::whole() const noexcept {
  if (digits != 32) return std::nullopt;
  return ActionId{bytes};
}

bool ActionRef::matches(const ActionId& id) const noexcept {
  const std::size_t full = digits / 2;
  for (std::size_t i = 0; i < full; ++i) {
    if (id.bytes[i] != bytes[i]) return false;
  }
  return digits % 2 == 0 || (id.bytes[full] & 0xf0) == bytes[full];
}

std::string ActionRef::to_string() const {
  const std::string text = ActionId{bytes}.to_string();
  // Digits before the cut, with the dashes among them: one per four digits after the eighth.
  const std::size_t dashes = digits > 8 ? std::min<std::size_t>((digits - 5) / 4, 4) : 0;
  return text.substr(0, digits + dashes);
}

std::string_view to_string(ActionState s) noexcept { return name_of(state_names, s); }
std::optional<ActionState> parse_action_state(std::string_view text) noexcept {
  return value_of<ActionState>(state_names, text);
}

std::string_view to_string(EventType t) noexcept { return name_of(event_type_names, t); }
std::optional<EventType> parse_event_type(std::string_view text) noexcept {
  return value_of<EventType>(event_type_names, text);
}

std::string_view to_string(WaitReason r) noexcept { return name_of(wait_reason_names, r); }
std::optional<WaitReason> parse_wait_reason(std::string_view text) noexcept {
  return value_of<WaitReason>(wait_reason_names, text);
}

std::string_view to_string(BackoffKind k) noexcept { return name_of(backoff_kind_names, k); }
std::optional<BackoffKind> parse_backoff_kind(std::string_view text) noexcept {
  return value_of<BackoffKind>(backoff_kind_names, text);
}

std::string_view to_string(OnFailure f) noexcept { return name_of(on_failure_names, f); }
std::optional<OnFailure> parse_on_failure(std::string_view text) noexcept {
  return value_of<OnFailure>(on_failure_names, text);
}

std::string_view to_string(PeriodicOutcome o) noexcept { return name_of(periodic_outcome_names, o); }
std::optional<PeriodicOutcome> parse_periodic_outcome(std::string_view text) noexcept {
  return value_of<PeriodicOutcome>(periodic_outcome_names, text);
}

}  // namespace bgsync::proto
