// Periodic sync's stored values — registrations, cached responses, run outcomes — and their
// on-disk forms and keys.
// Same conventions as record.hpp: a format byte, fixed-width little-endian fields, then
// u32-length-prefixed strings; keys big-endian so LMDB's byte order is numeric order.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bgsync/proto/periodic.hpp"
#include "bgsync/proto/types.hpp"

namespace bgsync::store::periodic {

struct Request {
  std::string method = "GET";
  std::string url;
  proto::Headers headers;
  std::string body;
  bool operator==(const Request&) const = default;
};

struct Registration {
  std::string app;
  std::string tag;                       // non-empty; (app, tag) is the key
  std::uint64_t min_interval_ms = 0;     // > 0; the daemon applies its floor before storing
  Request request;
  proto::NetworkConstraint network = proto::NetworkConstraint::any;
  proto::PowerConstraint power = proto::PowerConstraint::any;
  proto::TimePoint created{};
  proto::TimePoint updated{};            // last (re-)registration
  std::optional<proto::TimePoint> last_run;
  std::optional<proto::PeriodicOutcome> last_outcome;  // unset: never ran
  std::optional<int> last_status;        // unset: no HTTP response (or never ran)
  std::string last_error;                // of the latest failed attempt; cleared by a success
  proto::TimePoint next_earliest{};      // the due index's key; the daemon adds its flex
  // While a failing period is being retried: when its first attempt started, so that retries
  // stop when the next period begins, across restarts too. Unset otherwise.
  std::optional<proto::TimePoint> period_start;
  std::optional<proto::TimePoint> validated;  // the latest 304 that confirmed the cached body
  std::uint32_t consecutive_failures = 0;
  std::string etag;                      // validators for If-None-Match / If-Modified-Since
  std::string last_modified;
  bool operator==(const Registration&) const = default;
};

// The latest successful response of a registration, served while offline.
struct CacheEntry {
  int status = 0;
  proto::Headers headers;
  std::string body;
  proto::TimePoint fetched{};            // when this body arrived (a 304 does not change it)
  bool operator==(const CacheEntry&) const = default;
};

// Responses bigger than this are not cached (the daemon reports such a run as failed).
inline constexpr std::size_t max_cache_body = std::size_t{4} << 20;

// What registering returned.
struct PutResult {
  Registration registration;  // as stored
  bool replaced = false;
};

// A finished attempt of a registration, to record (WriteTxn::periodic_record).
struct Run {
  proto::PeriodicOutcome outcome = proto::PeriodicOutcome::failed;
  std::optional<int> status;                 // unset: no HTTP response
  std::string error;                         // failed: why
  proto::TimePoint next_earliest{};
  // failed with a retry to come in the same period: when the period's first attempt started.
  // Unset: the period is over (success, or given up until the next one).
  std::optional<proto::TimePoint> period_start;
  // The registration's `updated` when the run started: a registration replaced meanwhile is not
  // this run's to record (bad_state).
  proto::TimePoint registered{};
  // Validators from an `updated` response (replacing the old ones, even with empty); ignored
  // otherwise, so a 304 or a failure keeps what the cached body matches.
  std::string etag;
  std::string last_modified;
  std::optional<CacheEntry> cache;           // updated only: stored in the same txn
  // Whether this attempt ends its period (a success, or giving up until the next period): then
  // WriteTxn appends a `periodic` event with `duration`.
  bool report = false;
  std::chrono::milliseconds duration{0};
};
inline constexpr std::uint8_t registration_format = 1;
inline constexpr std::uint8_t cache_format = 1;

// app and tag are the key, so they are not repeated in the value.
std::string encode_registration(const Registration& reg);
std::optional<Registration> decode_registration(std::string_view app, std::string_view tag, std::string_view bytes);
std::string encode_cache(const CacheEntry& entry);
std::optional<CacheEntry> decode_cache(std::string_view bytes);
// Only the fetched time, from the record's fixed-size head: listing never copies a body.
std::optional<proto::TimePoint> decode_cache_fetched(std::string_view bytes);

// ---- keys -------------------------------------------------------------------------------------

// `periodic` and `pcache`: app, NUL, tag. Neither contains NUL, so one app's keys are contiguous
// and app_prefix(app) seeks to its first registration.
std::string app_prefix(std::string_view app);
std::string reg_key(std::string_view app, std::string_view tag);
struct AppTag {
  std::string app;
  std::string tag;
};
std::optional<AppTag> parse_reg_key(std::string_view key);

// `pdue`: next_earliest (8 bytes, the same sign-flipped ms as record::due_key), then reg_key.
// Unique per registration without an order counter; ties break by app then tag.
std::string due_key(proto::TimePoint next_earliest, std::string_view app, std::string_view tag);
std::optional<proto::TimePoint> due_key_time(std::string_view key);
std::optional<AppTag> due_key_reg(std::string_view key);

}  // namespace bgsync::store::periodic
