// Binary encoder/decoder for periodic registrations, cache entries and their keys (layout in
// periodic_record.hpp). Like record.cpp, decoding never trusts the bytes: a short or malformed
// record yields std::nullopt, which the store reports as a corrupt outbox.
#include "daemon/store/periodic_record.hpp"

#include "daemon/store/record.hpp"
#include "daemon/store/record_io.hpp"

#include <chrono>

namespace bgsync::store::periodic {
namespace {

constexpr std::uint8_t has_last_run = 1;
constexpr std::uint8_t has_status = 2;
constexpr std::uint8_t has_period_start = 4;
constexpr std::uint8_t has_validated = 8;

using record::io::from_ms;
using record::io::ms;
using record::io::Reader;
using record::io::Writer;

constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;

}  // namespace

// Registration, format 1:
//   u8 format, u64 min_interval_ms, u8 network, u8 power, i64 created, i64 updated, u8 flags,
//   i64 last_run, i32 last_status, i64 period_start, i64 validated (each 0 unless flagged), u8 last_outcome (0:
//   none, else PeriodicOutcome + 1), i64 next_earliest, u32 consecutive_failures, str method,
//   str url, headers, str body, str etag, str last_modified, str last_error.
std::string encode_registration(const Registration& reg) {
  Writer w;
  w.u8(registration_format);
  w.u64(reg.min_interval_ms);
  w.u8(static_cast<std::uint8_t>(reg.network));
  w.u8(static_cast<std::uint8_t>(reg.power));
  w.i64(ms(reg.created));
  w.i64(ms(reg.updated));
  w.u8(static_cast<std::uint8_t>((reg.last_run ? has_last_run : 0) | (reg.last_status ? has_status : 0) |
                                 (reg.period_start ? has_period_start : 0) | (reg.validated ? has_validated : 0)));
  w.i64(reg.last_run ? ms(*reg.last_run) : 0);
  w.i32(reg.last_status.value_or(0));
  w.i64(reg.period_start ? ms(*reg.period_start) : 0);
  w.i64(reg.validated ? ms(*reg.validated) : 0);
  w.u8(reg.last_outcome ? static_cast<std::uint8_t>(static_cast<std::uint8_t>(*reg.last_outcome) + 1) : 0);
  w.i64(ms(reg.next_earliest));
  w.u32(reg.consecutive_failures);
  w.str(reg.request.method);
  w.str(reg.request.url);
  w.headers(reg.request.headers);
  w.str(reg.request.body);
  w.str(reg.etag);
  w.str(reg.last_modified);
  w.str(reg.last_error);
  return w.take();
}

std::optional<Registration> decode_registration(std::string_view app, std::string_view tag, std::string_view bytes) {
  Reader r(bytes);
  if (r.u8() != 1) return std::nullopt;
  Registration reg;
  reg.app = app;
  reg.tag = tag;
  reg.min_interval_ms = r.u64();
  const std::uint8_t network = r.u8();
  const std::uint8_t power = r.u8();
  if (network > static_cast<std::uint8_t>(proto::NetworkConstraint::unmetered)) return std::nullopt;
  if (power > static_cast<std::uint8_t>(proto::PowerConstraint::not_low_battery)) return std::nullopt;
  reg.network = static_cast<proto::NetworkConstraint>(network);
  reg.power = static_cast<proto::PowerConstraint>(power);
  reg.created = from_ms(r.i64());
  reg.updated = from_ms(r.i64());
  const std::uint8_t flags = r.u8();
  const std::int64_t last_run = r.i64();
  const std::int32_t status = r.i32();
  const std::int64_t period_start = r.i64();
  const std::int64_t validated = r.i64();
  if ((flags & has_last_run) != 0) reg.last_run = from_ms(last_run);
  if ((flags & has_status) != 0) reg.last_status = status;
  if ((flags & has_period_start) != 0) reg.period_start = from_ms(period_start);
  if ((flags & has_validated) != 0) reg.validated = from_ms(validated);
  const std::uint8_t outcome = r.u8();
  if (outcome > static_cast<std::uint8_t>(proto::PeriodicOutcome::failed) + 1) return std::nullopt;
  if (outcome != 0) reg.last_outcome = static_cast<proto::PeriodicOutcome>(outcome - 1);
  reg.next_earliest = from_ms(r.i64());
  reg.consecutive_failures = r.u32();
  reg.request.method = r.str();
  reg.request.url = r.str();
  reg.request.headers = r.headers();
  reg.request.body = r.str();
  reg.etag = r.str();
  reg.last_modified = r.str();
  reg.last_error = r.str();
  if (!r.done()) return std::nullopt;
  return reg;
}

// Cache entry, format 1: u8 format, i32 status, i64 fetched, headers, str body. Written once per
// new body and never rewritten (a 304 is recorded on the registration), so a large body costs
// its copy only when it changes.
std::string encode_cache(const CacheEntry& entry) {
  Writer w;
  w.reserve(24 + entry.body.size());
  w.u8(cache_format);
  w.i32(entry.status);
  w.i64(ms(entry.fetched));
  w.headers(entry.headers);
  w.str(entry.body);
  return w.take();
}

std::optional<CacheEntry> decode_cache(std::string_view bytes) {
  Reader r(bytes);
  if (r.u8() != 1) return std::nullopt;
  CacheEntry entry;
  entry.status = r.i32();
  entry.fetched = from_ms(r.i64());
  entry.headers = r.headers();
  entry.body = r.str();
  if (!r.done()) return std::nullopt;
  return entry;
}

std::optional<proto::TimePoint> decode_cache_fetched(std::string_view bytes) {
  Reader r(bytes);
  if (r.u8() != 1) return std::nullopt;
  r.i32();
  const std::int64_t fetched = r.i64();
  if (!r.ok()) return std::nullopt;
  return from_ms(fetched);
}

// ---- keys -------------------------------------------------------------------------------------

// The same label-NUL layout as tagq's tag prefix.
std::string app_prefix(std::string_view app) { return record::tag_prefix(app); }

std::string reg_key(std::string_view app, std::string_view tag) {
  std::string out = app_prefix(app);
  out.append(tag);
  return out;
}

std::optional<AppTag> parse_reg_key(std::string_view key) {
  const auto nul = key.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  std::string_view tag = key.substr(nul + 1);
  if (tag.empty() || tag.find('\0') != std::string_view::npos) return std::nullopt;
  return AppTag{std::string(key.substr(0, nul)), std::string(tag)};
}

std::string due_key(proto::TimePoint next_earliest, std::string_view app, std::string_view tag) {
  std::string out;
  out.reserve(9 + app.size() + tag.size());
  const std::uint64_t t = static_cast<std::uint64_t>(ms(next_earliest)) ^ sign_bit;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((t >> (8 * i)) & 0xff));
  out.append(reg_key(app, tag));
  return out;
}

std::optional<proto::TimePoint> due_key_time(std::string_view key) {
  if (key.size() < 8) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(key[i]);
  return from_ms(static_cast<std::int64_t>(v ^ sign_bit));
}

std::optional<AppTag> due_key_reg(std::string_view key) {
  if (key.size() < 8) return std::nullopt;
  return parse_reg_key(key.substr(8));
}

}  // namespace bgsync::store::periodic
