// ReadView: the outbox's reads, each in its own short read transaction, so that reads on the io
// thread never wait for the writer thread. Which writes a view sees depends on its door
// (read_view.hpp); the code here is the same for both.
#include "daemon/store/read_view.hpp"

#include <algorithm>

#include "daemon/clock.hpp"
#include "daemon/store/periodic.hpp"
#include "daemon/store/record.hpp"
#include "daemon/store/store_env.hpp"

namespace bgsync::store {

using detail::Db;
namespace {

// Walks one database from `first` (the MDB_cursor_op that positions it) while `visit` returns
// true. Errors other than reaching the end come back as storage errors.
template <class Visit>
Result<void> walk(const detail::Store& store, MDB_txn* txn, MDB_dbi dbi, MDB_val start, MDB_cursor_op first,
                  Visit&& visit) {
  lmdb::Cursor cursor;
  if (int rc = cursor.open(txn, dbi); rc != 0) return store.error(rc, "open a cursor");
  MDB_val k = start;
  MDB_val v{};
  for (int rc = cursor.get(k, v, first); rc != MDB_NOTFOUND; rc = cursor.get(k, v, MDB_NEXT)) {
    if (rc != 0) return store.error(rc, "read the outbox");
    auto keep_going = visit(lmdb::to_view(k), lmdb::to_view(v));
    if (!keep_going) return keep_going.error();
    if (!*keep_going) break;
  }
  return {};
}

}  // namespace

Result<std::optional<Action>> ReadView::get(const ActionId& id) const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  auto bytes = store.get(txn->get(), store.dbi[Db::actions], record::id_bytes(id));
  if (!bytes) return bytes.error();
  if (!*bytes) return std::optional<Action>{};
  auto stored = record::decode_action(id, **bytes);
  if (!stored) return store.corrupt("the record of action " + id.to_string() + " cannot be decoded");
  if (stored->action.state == proto::ActionState::queued) {
    auto meta = store.read_meta(txn->get());
    if (!meta) return meta.error();
    auto waiting = store.waiting(txn->get(), *stored, meta->paused, daemon::now_ms());
    if (!waiting) return waiting.error();
    stored->action.waiting = *waiting;
  }
  return std::optional<Action>{std::move(stored->action)};
}

Result<std::vector<std::optional<ActionRoute>>> ReadView::routes_of(const std::vector<ActionId>& ids) const {
  const detail::Store& store = *store_;
  std::vector<std::optional<ActionRoute>> routes;
  if (ids.empty()) return routes;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  routes.reserve(ids.size());
  for (const auto& id : ids) {
    auto bytes = store.get(txn->get(), store.dbi[Db::actions], record::id_bytes(id));
    if (!bytes) return bytes.error();
    if (!*bytes) {
      routes.emplace_back();
      continue;
    }
    auto url = record::decode_url(**bytes);
    if (!url) return store.corrupt("the record of action " + id.to_string() + " cannot be decoded");
    routes.emplace_back(ActionRoute{std::move(*url), (*bytes)->size()});
  }
  return routes;
}

namespace {

bool selected(const proto::ListQuery& query, const Action& a) {
  return (!query.state || a.state == *query.state) && (!query.tag || a.tag == *query.tag) &&
         (!query.app || a.app == *query.app);
}

}  // namespace

// Filters scan the actions in id order, decoding each: fine for a listing a person pages
// through, and it keeps the write path free of per-app/per-state indexes. Nothing hot calls it.
// Each listed queued action costs one more tagq seek, for its `waiting`. Counting what follows
// the page (query.count) walks on to the end in the same transaction, so the count and the page
// agree: without a filter it reads only keys, with one it decodes each record.
Result<proto::ListPage> ReadView::list(const proto::ListQuery& query) const {
  const detail::Store& store = *store_;
  const std::size_t limit = std::clamp<std::uint32_t>(query.limit, 1, proto::max_list_limit);
  const bool filtered = query.state || query.tag || query.app;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  auto meta = store.read_meta(txn->get());
  if (!meta) return meta.error();
  const TimePoint now = daemon::now_ms();
  proto::ListPage page;
  std::uint64_t remaining = 0;
  MDB_val start{};
  MDB_cursor_op first = MDB_FIRST;
  if (query.after) {
    start = lmdb::to_val(record::id_bytes(*query.after));
    first = MDB_SET_RANGE;
  }
  auto walked = walk(store, txn->get(), store.dbi[Db::actions], start, first,
                     [&](std::string_view key, std::string_view value) -> Result<bool> {
                       auto id = record::id_from_bytes(key);
                       if (!id) return store.corrupt("an action key is not an id");
                       if (query.after && *id == *query.after) return true;  // `after` is exclusive
                       const bool counting = page.actions.size() == limit;
                       if (counting && !filtered) {  // the key is enough
                         ++remaining;
                         return true;
                       }
                       auto stored = record::decode_action(*id, value);
                       if (!stored) return store.corrupt("the record of action " + id->to_string() + " cannot be decoded");
                       Action& a = stored->action;
                       if (!selected(query, a)) return true;
                       if (counting) {
                         ++remaining;
                         return true;
                       }
                       auto waiting = store.waiting(txn->get(), *stored, meta->paused, now);
                       if (!waiting) return waiting.error();
                       a.waiting = *waiting;
                       a.body.clear();
                       a.response_body.clear();
                       page.actions.push_back(std::move(a));
                       return page.actions.size() < limit || query.count;
                     });
  if (!walked) return walked.error();
  if (page.actions.size() == limit) page.next = page.actions.back().id;
  if (query.count) {
    page.remaining = remaining;
    if (remaining == 0) page.next.reset();  // known to be the last page
  }
  return page;
}

Result<ActionId> ReadView::resolve(const proto::ActionRef& ref) const {
  if (auto id = ref.whole()) return *id;
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  // Ids sort as bytes, so every id with the prefix lies in one run that starts at or after the
  // prefix padded with zeros: seek there and look at the first few keys.
  const ActionId low_id{ref.bytes};
  const std::string low(record::id_bytes(low_id));
  std::vector<ActionId> matches;
  auto walked = walk(store, txn->get(), store.dbi[Db::actions], lmdb::to_val(low), MDB_SET_RANGE,
                     [&](std::string_view key, std::string_view) -> Result<bool> {
                       auto id = record::id_from_bytes(key);
                       if (!id) return store.corrupt("an action key is not an id");
                       if (!ref.matches(*id)) return false;
                       matches.push_back(*id);
                       return matches.size() < 3;
                     });
  if (!walked) return walked.error();
  if (matches.empty()) return proto::make_error(proto::errc::not_found, "no action has an id starting with " + ref.to_string());
  if (matches.size() == 1) return matches.front();
  std::string message = "the id prefix " + ref.to_string() + " matches more than one action: " +
                        matches[0].to_string() + ", " + matches[1].to_string();
  message += matches.size() > 2 ? " and more; give more digits" : "; give more digits";
  return proto::make_error(proto::errc::ambiguous_id, std::move(message));
}

Result<proto::StateCounts> ReadView::counts() const {
  auto txn = store_->begin_read();
  if (!txn) return txn.error();
  auto meta = store_->read_meta(txn->get());
  if (!meta) return meta.error();
  return meta->counts;
}

Result<bool> ReadView::paused() const {
  auto txn = store_->begin_read();
  if (!txn) return txn.error();
  auto meta = store_->read_meta(txn->get());
  if (!meta) return meta.error();
  return meta->paused;
}

Result<std::uint64_t> ReadView::last_seq() const {
  auto txn = store_->begin_read();
  if (!txn) return txn.error();
  auto meta = store_->read_meta(txn->get());
  if (!meta) return meta.error();
  return meta->next_seq - 1;
}

Result<std::uint64_t> ReadView::first_seq() const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  std::uint64_t first = 0;
  auto walked = walk(store, txn->get(), store.dbi[Db::events], MDB_val{}, MDB_FIRST,
                     [&](std::string_view key, std::string_view) -> Result<bool> {
                       auto seq = record::parse_u64_key(key);
                       if (!seq) return store.corrupt("an event key has the wrong size");
                       first = *seq;
                       return false;
                     });
  if (!walked) return walked.error();
  return first;
}

Result<std::vector<DueEntry>> ReadView::due(std::size_t max) const {
  const detail::Store& store = *store_;
  std::vector<DueEntry> entries;
  if (max == 0) return entries;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  auto walked = walk(store, txn->get(), store.dbi[Db::due], MDB_val{}, MDB_FIRST,
                     [&](std::string_view key, std::string_view value) -> Result<bool> {
                       auto time = record::due_key_time(key);
                       auto id = record::id_from_bytes(value);
                       if (!time || !id) return store.corrupt("a due entry is malformed");
                       entries.push_back(DueEntry{*time, *id});
                       return entries.size() < max;
                     });
  if (!walked) return walked.error();
  return entries;
}

Result<std::vector<Event>> ReadView::events_after(std::uint64_t seq, std::size_t max) const {
  const detail::Store& store = *store_;
  std::vector<Event> events;
  if (max == 0 || seq == UINT64_MAX) return events;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  const std::string start = record::u64_key(seq + 1);
  auto walked = walk(store, txn->get(), store.dbi[Db::events], lmdb::to_val(start), MDB_SET_RANGE,
                     [&](std::string_view key, std::string_view value) -> Result<bool> {
                       auto n = record::parse_u64_key(key);
                       auto event = n ? record::decode_event(*n, value) : std::nullopt;
                       if (!event) return store.corrupt("an event record cannot be decoded");
                       events.push_back(std::move(*event));
                       return events.size() < max;
                     });
  if (!walked) return walked.error();
  return events;
}

Result<std::vector<std::string>> ReadView::parked_destinations() const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  lmdb::Cursor cursor;
  if (int rc = cursor.open(txn->get(), store.dbi[Db::parked]); rc != 0) return store.error(rc, "open a parked cursor");
  std::vector<std::string> destinations;
  MDB_val k{};
  MDB_val v{};
  int rc = cursor.get(k, v, MDB_FIRST);
  while (rc == 0) {
    const std::string_view key = lmdb::to_view(k);
    const auto nul = key.find('\0');
    if (nul == std::string_view::npos || nul == 0) return store.corrupt("a parked key has no destination");
    destinations.emplace_back(key.substr(0, nul));
    // Destinations hold no NUL, so destination + '\x01' sorts after all of its keys
    // (destination NUL order) and at or before the next destination's first key.
    std::string next = destinations.back() + '\x01';
    k = lmdb::to_val(next);
    rc = cursor.get(k, v, MDB_SET_RANGE);
  }
  if (rc != MDB_NOTFOUND) return store.error(rc, "read the parked index");
  return destinations;
}

Result<std::uint64_t> ReadView::network_backoff_marks() const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  MDB_stat stat{};
  if (int rc = mdb_stat(txn->get(), store.dbi[Db::netwait], &stat); rc != 0) return store.error(rc, "mdb_stat netwait");
  return std::uint64_t{stat.ms_entries};
}

// ---- periodic sync ---------------------------------------------------------------------------

Result<std::optional<PeriodicListed>> ReadView::periodic_get(std::string_view app, std::string_view tag) const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  auto reg = periodic::get_registration(store, txn->get(), app, tag);
  if (!reg) return reg.error();
  if (!*reg) return std::optional<PeriodicListed>{};
  auto cached = periodic::cache_fetched(store, txn->get(), app, tag);
  if (!cached) return cached.error();
  return std::optional<PeriodicListed>{PeriodicListed{std::move(**reg), *cached}};
}

Result<std::vector<PeriodicListed>> ReadView::periodic_list(std::optional<std::string_view> app, std::size_t max) const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  auto regs = periodic::list_registrations(store, txn->get(), app, max);
  if (!regs) return regs.error();
  std::vector<PeriodicListed> out;
  out.reserve(regs->size());
  for (auto& reg : *regs) {
    auto cached = periodic::cache_fetched(store, txn->get(), reg.app, reg.tag);
    if (!cached) return cached.error();
    out.push_back({std::move(reg), *cached});
  }
  return out;
}

Result<std::vector<periodic::Registration>> ReadView::periodic_due(TimePoint now, std::size_t max) const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  return periodic::due_registrations(store, txn->get(), now, max);
}

Result<std::optional<TimePoint>> ReadView::periodic_next(std::optional<TimePoint> after) const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  return periodic::next_earliest(store, txn->get(), after);
}

Result<std::optional<periodic::CacheEntry>> ReadView::periodic_cache(std::string_view app, std::string_view tag) const {
  const detail::Store& store = *store_;
  auto txn = store.begin_read();
  if (!txn) return txn.error();
  return periodic::get_cache(store, txn->get(), app, tag);
}


// ---- Outbox's doors --------------------------------------------------------------------------

ReadView::ReadView(const Outbox& outbox) noexcept : store_(&outbox.impl_->store) {}

ReadView Outbox::published() const noexcept { return ReadView(*this); }

}  // namespace bgsync::store
