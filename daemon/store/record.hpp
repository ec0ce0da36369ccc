// The on-disk forms of the outbox: binary action and event records, and the index keys.
// Records start with a format version byte and hold fixed-width little-endian fields, then
// u32-length-prefixed strings. Keys are big-endian so that LMDB's byte order is numeric order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgsync/proto/types.hpp"

namespace bgsync::store::record {

// Bump on any change of a record's layout, and keep decoding the old ones.
//   action 1: the first layout; 2 appends the parking destination (format 1 reads as not parked);
//          3 appends the policy, the held flag and the action's event seqs (older formats read
//          with the default policy, no expiry, not held, no seqs known).
//   event  1: the first layout; 2 adds `online` (two flag bits) and appends `reason` (format 1
//             reads with online unset and reason empty); 3 appends `outcome` and `duration` of
//             `periodic` events (format 2 reads with both unset).
inline constexpr std::uint8_t action_format = 3;
inline constexpr std::uint8_t event_format = 3;

// An action plus what only the store needs: its enqueue order (from meta's next_order counter),
// which places it in its tag's queue and breaks ties in the due index, and the destination it is
// parked under while it waits for the network (empty: not parked).
// `events` lists the seqs of the action's events in the log, so that deleting an action can delete
// them too without scanning the log.
struct StoredAction {
  proto::Action action;
  std::uint64_t order = 0;
  std::string parked;
  std::vector<std::uint64_t> events;
};

// The id is the key, so it is not repeated in the value; likewise an event's seq.
std::string encode_action(const StoredAction& stored);
std::optional<StoredAction> decode_action(const proto::ActionId& id, std::string_view bytes);
// Just the URL of an encoded action, without copying its headers and body.
std::optional<std::string> decode_url(std::string_view bytes);
std::string encode_event(const proto::Event& event);
std::optional<proto::Event> decode_event(std::uint64_t seq, std::string_view bytes);

// ---- keys -------------------------------------------------------------------------------------

std::string u64_key(std::uint64_t value);  // 8 bytes, big-endian
std::optional<std::uint64_t> parse_u64_key(std::string_view key);

// `tagq`: tag, NUL, order. Tags never contain NUL, so a tag's keys are contiguous and
// tag_prefix(tag) seeks to its head.
std::string tag_prefix(std::string_view tag);
std::string tag_key(std::string_view tag, std::uint64_t order);

// `parked`: destination, NUL, order — the same layout as tagq (destinations never contain NUL),
// so parked_prefix(destination) seeks to a destination's first parked action.
std::string parked_prefix(std::string_view destination);
std::string parked_key(std::string_view destination, std::uint64_t order);

// `due`: next attempt (ms since the epoch, sign bit flipped so that negative times sort first),
// then order.
std::string due_key(proto::TimePoint next_attempt, std::uint64_t order);
std::optional<proto::TimePoint> due_key_time(std::string_view key);

std::string_view id_bytes(const proto::ActionId& id);
std::optional<proto::ActionId> id_from_bytes(std::string_view bytes);

}  // namespace bgsync::store::record
