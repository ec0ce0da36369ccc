// Periodic sync's storage operations: registrations with their pdue index entry, run results and
// the response cache (databases and contracts in periodic.hpp).
#include "daemon/store/periodic.hpp"

#include <chrono>
#include <string>

#include "bgsync/proto/codec.hpp"
#include "bgsync/proto/periodic.hpp"

namespace bgsync::store::periodic {

using detail::Db;

namespace {

proto::Error bad_field(std::string message) { return proto::make_error(proto::errc::bad_field, std::move(message)); }

std::string name(std::string_view app, std::string_view tag) {
  return "periodic registration \"" + std::string(tag) + "\" of app \"" + std::string(app) + "\"";
}

Result<void> check_key(std::string_view app, std::string_view tag) {
  auto bad = [](std::string_view s) { return s.size() > proto::max_tag_size || s.find('\0') != std::string_view::npos; };
  if (tag.empty()) return bad_field("tag: a periodic registration needs a non-empty tag");
  if (bad(app) || bad(tag)) {
    return bad_field("app and tag: at most " + std::to_string(proto::max_tag_size) + " bytes and no NUL");
  }
  // Both are one LMDB key (pdue's adds 9 bytes), and LMDB refuses keys over 511 bytes.
  if (app.size() + tag.size() > proto::max_periodic_name_size) {
    return bad_field("app and tag: at most " + std::to_string(proto::max_periodic_name_size) + " bytes together");
  }
  return {};
}

Result<void> check_cache(const CacheEntry& entry) {
  if (entry.body.size() > max_cache_body) {
    return bad_field("cache body: " + std::to_string(entry.body.size()) + " bytes, more than the " +
                     std::to_string(max_cache_body >> 20) + " MiB a periodic response may keep");
  }
  return {};
}

Result<void> save(detail::WriteAccess& w, const Registration& reg) {
  return w.put(Db::periodic, reg_key(reg.app, reg.tag), encode_registration(reg), "write a periodic registration");
}

Result<void> move_due(detail::WriteAccess& w, const Registration* old, const Registration& now) {
  if (old != nullptr) {
    if (auto r = w.del(Db::pdue, due_key(old->next_earliest, old->app, old->tag), "update pdue"); !r) return r;
  }
  return w.put(Db::pdue, due_key(now.next_earliest, now.app, now.tag), std::string_view(), "write pdue");
}

// A read transaction as WriteAccess reads, so load_registration serves both; its errors do not
// poison anything.
struct ReadAccess {
  const detail::Store& s;
  MDB_txn* txn;
  Result<std::optional<std::string_view>> get(Db db, std::string_view key) const { return s.get(txn, s.dbi[db], key); }
  proto::Error corrupt(std::string_view what) const { return s.corrupt(what); }
};

template <class Access>
Result<std::optional<Registration>> load_registration(Access& access, std::string_view app, std::string_view tag) {
  auto bytes = access.get(Db::periodic, reg_key(app, tag));
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<Registration>{};
  auto reg = decode_registration(app, tag, **bytes);
  if (!reg) return access.corrupt("the record of " + name(app, tag) + " cannot be decoded");
  return std::optional<Registration>{std::move(*reg)};
}

// Walks `dbi` from the first key >= `from` while `visit(key, value)` returns true.
template <class Visit>
Result<void> walk(const detail::Store& s, MDB_txn* txn, MDB_dbi dbi, std::string_view from, Visit&& visit) {
  lmdb::Cursor cursor;
  if (int rc = cursor.open(txn, dbi); rc != 0) return s.error(rc, "open a cursor");
  MDB_val k = lmdb::to_val(from);
  MDB_val v{};
  for (int rc = cursor.get(k, v, from.empty() ? MDB_FIRST : MDB_SET_RANGE); rc != MDB_NOTFOUND;
       rc = cursor.get(k, v, MDB_NEXT)) {
    if (rc != 0) return s.error(rc, "read the periodic registrations");
    auto keep_going = visit(lmdb::to_view(k), lmdb::to_view(v));
    if (!keep_going) return keep_going.error();
    if (!*keep_going) break;
  }
  return {};
}

}  // namespace

Result<std::optional<Registration>> get_registration(const detail::Store& s, MDB_txn* txn, std::string_view app,
                                                     std::string_view tag) {
  ReadAccess access{s, txn};
  return load_registration(access, app, tag);
}

Result<PutResult> put_registration(detail::WriteAccess& w, Registration reg, proto::TimePoint now) {
  if (auto r = check_key(reg.app, reg.tag); !r) return r.error();
  if (reg.min_interval_ms == 0) return bad_field("min_interval: must be more than 0");
  if (reg.request.method.empty() || reg.request.url.empty()) return bad_field("method and url: must not be empty");
  auto old = load_registration(w, reg.app, reg.tag);
  if (!old) return old.error();

  reg.updated = now;
  reg.consecutive_failures = 0;
  reg.period_start.reset();
  if (*old) {
    const Registration& o = **old;
    reg.created = o.created;
    reg.last_run = o.last_run;
    reg.last_outcome = o.last_outcome;
    reg.last_status = o.last_status;
    reg.last_error = o.last_error;
    const bool same_resource = o.request.method == reg.request.method && o.request.url == reg.request.url;
    reg.etag = same_resource ? o.etag : std::string();
    reg.last_modified = same_resource ? o.last_modified : std::string();
    reg.validated = same_resource ? o.validated : std::nullopt;
    // A new request should show its content soon; a new interval or new constraints need not
    // refetch what was just fetched.
    const bool same_request = o.request == reg.request;
    reg.next_earliest = same_request && o.last_run ? *o.last_run + std::chrono::milliseconds(reg.min_interval_ms) : now;
  } else {
    reg.created = now;
    reg.last_run.reset();
    reg.last_outcome.reset();
    reg.last_status.reset();
    reg.last_error.clear();
    reg.etag.clear();
    reg.last_modified.clear();
    reg.validated.reset();
    reg.next_earliest = now;
  }
  if (auto r = move_due(w, old->has_value() ? &**old : nullptr, reg); !r) return r.error();
  if (auto r = save(w, reg); !r) return r.error();
  return PutResult{std::move(reg), old->has_value()};
}

Result<bool> remove_registration(detail::WriteAccess& w, std::string_view app, std::string_view tag) {
  auto old = load_registration(w, app, tag);
  if (!old) return old.error();
  if (!*old) return false;
  const std::string key = reg_key(app, tag);
  if (auto r = w.del(Db::pdue, due_key((*old)->next_earliest, app, tag), "update pdue"); !r) return r.error();
  if (auto r = w.del(Db::pcache, key, "delete a periodic cache entry"); !r) return r.error();
  if (auto r = w.del(Db::periodic, key, "delete a periodic registration"); !r) return r.error();
  return true;
}

Result<Registration> reschedule(detail::WriteAccess& w, std::string_view app, std::string_view tag,
                                proto::TimePoint when) {
  auto old = load_registration(w, app, tag);
  if (!old) return old.error();
  if (!*old) return proto::make_error(proto::errc::not_found, "no " + name(app, tag));
  Registration reg = **old;
  reg.next_earliest = when;
  if (auto r = move_due(w, &**old, reg); !r) return r.error();
  if (auto r = save(w, reg); !r) return r.error();
  return reg;
}

Result<Registration> record_run(detail::WriteAccess& w, std::string_view app, std::string_view tag, const Run& run,
                                proto::TimePoint now) {
  if (run.cache) {
    if (auto r = check_cache(*run.cache); !r) return r.error();
  }
  auto old = load_registration(w, app, tag);
  if (!old) return old.error();
  if (!*old) return proto::make_error(proto::errc::not_found, "no " + name(app, tag));
  if ((*old)->updated != run.registered) {
    return proto::make_error(proto::errc::bad_state, name(app, tag) + " was replaced while it ran");
  }
  Registration reg = **old;
  reg.last_run = now;
  reg.last_outcome = run.outcome;
  reg.last_status = run.status;
  reg.period_start = run.period_start;
  switch (run.outcome) {
    case proto::PeriodicOutcome::updated:
      reg.etag = run.etag;
      reg.last_modified = run.last_modified;
      reg.validated.reset();
      break;
    case proto::PeriodicOutcome::not_modified: reg.validated = now; break;
    case proto::PeriodicOutcome::failed: break;
  }
  reg.last_error = run.outcome == proto::PeriodicOutcome::failed ? run.error : std::string();
  reg.consecutive_failures = run.outcome == proto::PeriodicOutcome::failed ? reg.consecutive_failures + 1 : 0;
  reg.next_earliest = run.next_earliest;
  if (auto r = move_due(w, &**old, reg); !r) return r.error();
  if (auto r = save(w, reg); !r) return r.error();
  if (run.outcome == proto::PeriodicOutcome::updated && run.cache) {
    if (auto r = w.put(Db::pcache, reg_key(app, tag), encode_cache(*run.cache), "write a periodic cache entry"); !r) {
      return r.error();
    }
  }
  return reg;
}

Result<std::optional<CacheEntry>> get_cache(const detail::Store& s, MDB_txn* txn, std::string_view app,
                                            std::string_view tag) {
  auto bytes = s.get(txn, s.dbi[Db::pcache], reg_key(app, tag));
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<CacheEntry>{};
  auto entry = decode_cache(**bytes);
  if (!entry) return s.corrupt("the cache of " + name(app, tag) + " cannot be decoded");
  return std::optional<CacheEntry>{std::move(*entry)};
}

Result<std::optional<proto::TimePoint>> cache_fetched(const detail::Store& s, MDB_txn* txn, std::string_view app,
                                                      std::string_view tag) {
  auto bytes = s.get(txn, s.dbi[Db::pcache], reg_key(app, tag));
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<proto::TimePoint>{};
  auto fetched = decode_cache_fetched(**bytes);
  if (!fetched) return s.corrupt("the cache of " + name(app, tag) + " cannot be decoded");
  return std::optional<proto::TimePoint>{*fetched};
}

Result<std::vector<Registration>> list_registrations(const detail::Store& s, MDB_txn* txn,
                                                     std::optional<std::string_view> app, std::size_t max) {
  std::vector<Registration> out;
  const std::string prefix = app ? app_prefix(*app) : std::string();
  if (max == 0) return out;
  auto r = walk(s, txn, s.dbi[Db::periodic], prefix, [&](std::string_view k, std::string_view v) -> Result<bool> {
    if (!k.starts_with(prefix)) return false;
    auto key = parse_reg_key(k);
    if (!key) return s.corrupt("a periodic registration has a malformed key");
    auto reg = decode_registration(key->app, key->tag, v);
    if (!reg) return s.corrupt("the record of " + name(key->app, key->tag) + " cannot be decoded");
    out.push_back(std::move(*reg));
    return out.size() < max;
  });
  if (!r) return r.error();
  return out;
}

Result<std::vector<Registration>> due_registrations(const detail::Store& s, MDB_txn* txn, proto::TimePoint now,
                                                    std::size_t max) {
  std::vector<Registration> out;
  if (max == 0) return out;
  auto r = walk(s, txn, s.dbi[Db::pdue], std::string_view(), [&](std::string_view k, std::string_view) -> Result<bool> {
    auto when = due_key_time(k);
    auto key = due_key_reg(k);
    if (!when || !key) return s.corrupt("a pdue entry has a malformed key");
    if (*when > now) return false;
    auto reg = get_registration(s, txn, key->app, key->tag);
    if (!reg) return reg.error();
    if (!*reg) return s.corrupt("pdue names the missing " + name(key->app, key->tag));
    out.push_back(std::move(**reg));
    return out.size() < max;
  });
  if (!r) return r.error();
  return out;
}

Result<std::optional<proto::TimePoint>> next_earliest(const detail::Store& s, MDB_txn* txn,
                                                      std::optional<proto::TimePoint> after) {
  std::optional<proto::TimePoint> first;
  // The smallest key of the next millisecond is its 8-byte time alone.
  const std::string from = after ? due_key(*after + std::chrono::milliseconds(1), "", "").substr(0, 8) : std::string();
  auto r = walk(s, txn, s.dbi[Db::pdue], from, [&](std::string_view k, std::string_view) -> Result<bool> {
    first = due_key_time(k);
    if (!first) return s.corrupt("a pdue entry has a malformed key");
    return false;
  });
  if (!r) return r.error();
  return first;
}

}  // namespace bgsync::store::periodic
