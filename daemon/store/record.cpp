// Binary encoder/decoder for the outbox's records and keys (layout documented in record.hpp).
// Decoding never trusts the bytes: every read is bounds-checked and a short or malformed
// record yields std::nullopt, which the store reports as a corrupt outbox.
#include "daemon/store/record.hpp"

#include "daemon/store/record_io.hpp"

#include <chrono>
#include <cstring>

namespace bgsync::store::record {
namespace {

constexpr std::uint8_t has_next_attempt = 1;
constexpr std::uint8_t has_status = 2;
constexpr std::uint8_t has_online = 4;  // events only
constexpr std::uint8_t is_online = 8;   // events only
constexpr std::uint8_t has_duration = 16;  // events only (periodic)

// An action's policy flags (format 3).
constexpr std::uint8_t has_expires = 1;
constexpr std::uint8_t has_max_attempts = 2;
constexpr std::uint8_t has_backoff = 4;
constexpr std::uint8_t has_not_before = 8;
constexpr std::uint8_t is_unordered = 16;
constexpr std::uint8_t continues_on_failure = 32;
constexpr std::uint8_t is_held = 64;

using io::from_ms;
using io::ms;
using io::Reader;
using io::Writer;

}  // namespace

namespace {

// Format 3's tail: u8 policy flags, i64 expires_at, u32 max_attempts, i64 backoff initial,
// i64 backoff max, u8 backoff kind, i64 not_before (each 0 unless flagged), str collapse_key,
// u32 count and that many u64 event seqs.
void write_policy(Writer& w, const proto::Action& a, const std::vector<std::uint64_t>& events) {
  const proto::ActionPolicy& p = a.policy;
  w.u8(static_cast<std::uint8_t>((p.expires_at ? has_expires : 0) | (p.max_attempts ? has_max_attempts : 0) |
                                 (p.backoff ? has_backoff : 0) | (p.not_before ? has_not_before : 0) |
                                 (p.unordered ? is_unordered : 0) |
                                 (p.on_failure == proto::OnFailure::continue_ ? continues_on_failure : 0) |
                                 (a.held ? is_held : 0)));
  w.i64(p.expires_at ? ms(*p.expires_at) : 0);
  w.u32(p.max_attempts.value_or(0));
  w.i64(p.backoff ? p.backoff->initial.count() : 0);
  w.i64(p.backoff ? p.backoff->max.count() : 0);
  w.u8(p.backoff ? static_cast<std::uint8_t>(p.backoff->kind) : 0);
  w.i64(p.not_before ? ms(*p.not_before) : 0);
  w.str(p.collapse_key);
  w.u32(static_cast<std::uint32_t>(events.size()));
  for (const std::uint64_t seq : events) w.u64(seq);
}

bool read_policy(Reader& r, proto::Action& a, std::vector<std::uint64_t>& events) {
  proto::ActionPolicy& p = a.policy;
  const std::uint8_t flags = r.u8();
  const std::int64_t expires = r.i64();
  const std::uint32_t max_attempts = r.u32();
  const std::int64_t initial = r.i64();
  const std::int64_t max = r.i64();
  const std::uint8_t kind = r.u8();
  const std::int64_t not_before = r.i64();
  if ((flags & has_expires) != 0) p.expires_at = from_ms(expires);
  if ((flags & has_max_attempts) != 0) p.max_attempts = max_attempts;
  if ((flags & has_backoff) != 0) {
    if (kind > static_cast<std::uint8_t>(proto::BackoffKind::linear)) return false;
    p.backoff = proto::Backoff{std::chrono::milliseconds(initial), std::chrono::milliseconds(max),
                               static_cast<proto::BackoffKind>(kind)};
  }
  if ((flags & has_not_before) != 0) p.not_before = from_ms(not_before);
  p.unordered = (flags & is_unordered) != 0;
  p.on_failure = (flags & continues_on_failure) != 0 ? proto::OnFailure::continue_ : proto::OnFailure::block;
  a.held = (flags & is_held) != 0;
  p.collapse_key = r.str();
  const std::uint32_t count = r.u32();
  if (!r.ok() || count > r.remaining() / 8) return false;
  events.resize(count);
  for (std::uint64_t& seq : events) seq = r.u64();
  return true;
}

}  // namespace

// Action, format 3 (format 2 is the same without the policy tail; format 1 also without `parked`):
//   u8 format, u64 order, u8 state, u32 attempts, i64 created, i64 updated, u8 flags,
//   i64 next_attempt, i32 response_status (both 0 unless flagged),
//   str app, tag, method, url, headers, str body, str last_error, headers response_headers,
//   str response_body, str parked, then the policy tail (write_policy).
std::string encode_action(const StoredAction& stored) {
  const proto::Action& a = stored.action;
  Writer w;
  w.reserve(68 + a.app.size() + a.tag.size() + a.method.size() + a.url.size() + a.body.size() +
            a.last_error.size() + a.response_body.size() + stored.parked.size() + 48 + a.policy.collapse_key.size() +
            8 * stored.events.size());
  w.u8(action_format);
  w.u64(stored.order);
  w.u8(static_cast<std::uint8_t>(a.state));
  w.u32(a.attempts);
  w.i64(ms(a.created));
  w.i64(ms(a.updated));
  w.u8(static_cast<std::uint8_t>((a.next_attempt ? has_next_attempt : 0) | (a.response_status ? has_status : 0)));
  w.i64(a.next_attempt ? ms(*a.next_attempt) : 0);
  w.i32(a.response_status.value_or(0));
  w.str(a.app);
  w.str(a.tag);
  w.str(a.method);
  w.str(a.url);
  w.headers(a.headers);
  w.str(a.body);
  w.str(a.last_error);
  w.headers(a.response_headers);
  w.str(a.response_body);
  w.str(stored.parked);
  write_policy(w, a, stored.events);
  return w.take();
}

std::optional<std::string> decode_url(std::string_view bytes) {
  Reader r(bytes);
  const std::uint8_t format = r.u8();
  if (format < 1 || format > action_format) return std::nullopt;
  // order, state, attempts, created, updated, flags, next attempt, status; then app, tag, method.
  r.u64();
  r.u8();
  r.u32();
  r.i64();
  r.i64();
  r.u8();
  r.i64();
  r.i32();
  for (int skipped = 0; skipped < 3; ++skipped) r.str();
  auto url = r.str();
  if (!r.ok()) return std::nullopt;
  return url;
}

std::optional<StoredAction> decode_action(const proto::ActionId& id, std::string_view bytes) {
  Reader r(bytes);
  const std::uint8_t format = r.u8();
  if (format < 1 || format > action_format) return std::nullopt;
  StoredAction stored;
  proto::Action& a = stored.action;
  a.id = id;
  stored.order = r.u64();
  std::uint8_t state = r.u8();
  if (state >= proto::action_state_count) return std::nullopt;
  a.state = static_cast<proto::ActionState>(state);
  a.attempts = r.u32();
  a.created = from_ms(r.i64());
  a.updated = from_ms(r.i64());
  std::uint8_t flags = r.u8();
  std::int64_t next = r.i64();
  std::int32_t status = r.i32();
  if ((flags & has_next_attempt) != 0) a.next_attempt = from_ms(next);
  if ((flags & has_status) != 0) a.response_status = status;
  a.app = r.str();
  a.tag = r.str();
  a.method = r.str();
  a.url = r.str();
  a.headers = r.headers();
  a.body = r.str();
  a.last_error = r.str();
  a.response_headers = r.headers();
  a.response_body = r.str();
  if (format >= 2) stored.parked = r.str();
  if (format >= 3 && !read_policy(r, a, stored.events)) return std::nullopt;
  if (!r.done()) return std::nullopt;
  return stored;
}

// Event, format 3 (format 2 is the same without the final outcome and duration; format 1 also
// without `reason`, and never sets the online bits):
//   u8 format, u8 type, 16 id bytes, i64 time, u32 attempt, u8 flags, i32 status,
//   i64 next_attempt (both 0 unless flagged), str tag, str app, str error, str reason,
//   u8 outcome (0: none, else PeriodicOutcome + 1), i64 duration_ms (0 unless flagged).
//   flags: has_next_attempt, has_status, has_online (then `online` is the is_online bit), has_duration.
std::string encode_event(const proto::Event& e) {
  Writer w;
  w.reserve(80 + e.tag.size() + e.app.size() + e.error.size() + e.reason.size());
  w.u8(event_format);
  w.u8(static_cast<std::uint8_t>(e.type));
  for (auto b : e.id.bytes) w.u8(b);
  w.i64(ms(e.time));
  w.u32(e.attempt);
  w.u8(static_cast<std::uint8_t>((e.next_attempt ? has_next_attempt : 0) | (e.status ? has_status : 0) |
                                 (e.online ? has_online : 0) | (e.online.value_or(false) ? is_online : 0) |
                                 (e.duration ? has_duration : 0)));
  w.i32(e.status.value_or(0));
  w.i64(e.next_attempt ? ms(*e.next_attempt) : 0);
  w.str(e.tag);
  w.str(e.app);
  w.str(e.error);
  w.str(e.reason);
  w.u8(e.outcome ? static_cast<std::uint8_t>(static_cast<std::uint8_t>(*e.outcome) + 1) : 0);
  w.i64(e.duration ? e.duration->count() : 0);
  return w.take();
}

std::optional<proto::Event> decode_event(std::uint64_t seq, std::string_view bytes) {
  Reader r(bytes);
  const std::uint8_t format = r.u8();
  if (format < 1 || format > 3) return std::nullopt;
  proto::Event e;
  e.seq = seq;
  std::uint8_t type = r.u8();
  // Format 3's layout holds every type since periodic: a type added later (rejected) needs no new
  // format, only this bound.
  const auto last_type = format == 1   ? proto::EventType::cancelled
                         : format == 2 ? proto::EventType::network
                                       : proto::EventType::rejected;
  if (type > static_cast<std::uint8_t>(last_type)) return std::nullopt;
  e.type = static_cast<proto::EventType>(type);
  for (auto& b : e.id.bytes) b = r.u8();
  e.time = from_ms(r.i64());
  e.attempt = r.u32();
  std::uint8_t flags = r.u8();
  std::int32_t status = r.i32();
  std::int64_t next = r.i64();
  if ((flags & has_status) != 0) e.status = status;
  if ((flags & has_next_attempt) != 0) e.next_attempt = from_ms(next);
  e.tag = r.str();
  e.app = r.str();
  e.error = r.str();
  if (format >= 2) {
    if ((flags & has_online) != 0) e.online = (flags & is_online) != 0;
    e.reason = r.str();
  }
  if (format >= 3) {
    const std::uint8_t outcome = r.u8();
    const std::int64_t duration = r.i64();
    if (outcome > static_cast<std::uint8_t>(proto::PeriodicOutcome::failed) + 1) return std::nullopt;
    if (outcome != 0) e.outcome = static_cast<proto::PeriodicOutcome>(outcome - 1);
    if ((flags & has_duration) != 0) e.duration = std::chrono::milliseconds{duration};
  }
  if (!r.done()) return std::nullopt;
  return e;
}

// ---- keys -------------------------------------------------------------------------------------

namespace {
void append_be(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t read_be(std::string_view in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}
constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;
}  // namespace

std::string u64_key(std::uint64_t value) {
  std::string out;
  out.reserve(8);
  append_be(out, value);
  return out;
}

std::optional<std::uint64_t> parse_u64_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  return read_be(key);
}

std::string tag_prefix(std::string_view tag) {
  std::string out;
  out.reserve(tag.size() + 9);
  out.append(tag);
  out.push_back('\0');
  return out;
}

std::string tag_key(std::string_view tag, std::uint64_t order) {
  std::string out = tag_prefix(tag);
  append_be(out, order);
  return out;
}

std::string parked_prefix(std::string_view destination) { return tag_prefix(destination); }

std::string parked_key(std::string_view destination, std::uint64_t order) { return tag_key(destination, order); }

std::string due_key(proto::TimePoint next_attempt, std::uint64_t order) {
  std::string out;
  out.reserve(16);
  append_be(out, static_cast<std::uint64_t>(ms(next_attempt)) ^ sign_bit);
  append_be(out, order);
  return out;
}

std::optional<proto::TimePoint> due_key_time(std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  return from_ms(static_cast<std::int64_t>(read_be(key) ^ sign_bit));
}

std::string_view id_bytes(const proto::ActionId& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

std::optional<proto::ActionId> id_from_bytes(std::string_view bytes) {
  proto::ActionId id;
  if (bytes.size() != id.bytes.size()) return std::nullopt;
  std::memcpy(id.bytes.data(), bytes.data(), bytes.size());
  return id;
}

}  // namespace bgsync::store::record
