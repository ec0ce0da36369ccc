// Private to daemon/store: periodic sync's storage — registrations, their schedule index and
// their response cache. Writes take the write transaction's WriteAccess (WriteTxn's periodic_*
// call them); reads take the open Store and any LMDB txn (Outbox's periodic_* call them).
//
// Databases (see tables.hpp for the rest):
//   periodic  app NUL tag -> registration record (periodic_record.hpp). One app's registrations
//             are contiguous, so list(app) is a prefix seek.
//   pdue      next_earliest (8 bytes BE, sign-flipped ms) app NUL tag -> empty: exactly one entry
//             per registration, so "what is due next" is the first key: O(log n) at 100k.
//   pcache    app NUL tag -> cache record: kept apart from the registration so the schedule and
//             list() never read response bodies; removed with its registration.
// Registration and index change together in the same txn; an entry's time always equals its
// registration's next_earliest.
// Writes check everything that can fail for the request's own reason (bad_field, not_found,
// bad_state) before their first write, so such an error writes nothing; a storage error poisons
// the transaction (WriteAccess does).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <lmdb.h>

#include "daemon/store/periodic_record.hpp"
#include "daemon/store/store_env.hpp"
#include "daemon/store/write_access.hpp"

namespace bgsync::store::periodic {

// Stores `reg`, keyed by (app, tag), setting created/updated from `now`. Registering an existing
// (app, tag) replaces its request, interval and constraints but keeps created, the run history
// and the cache; consecutive_failures and period_start restart; the validators (etag,
// last_modified, validated) are kept only if method and URL are unchanged, since they belong to
// the old resource. Schedule: a new registration, or one whose request changed, is due `now`;
// otherwise the next run is the latest run + the new interval (due now if it never ran).
// Caller-set history and schedule fields of `reg` are ignored.
// Errors: bad_field (empty tag, NUL or > max_tag_size in app or tag, min_interval_ms 0, empty
// method or URL); storage errors.
Result<PutResult> put_registration(detail::WriteAccess& w, Registration reg, proto::TimePoint now);
// Removes the registration, its pdue entry and its cache. Returns whether it existed.
Result<bool> remove_registration(detail::WriteAccess& w, std::string_view app, std::string_view tag);
// Moves the registration's next run to `when` (periodic_run: now). Errors: not_found.
Result<Registration> reschedule(detail::WriteAccess& w, std::string_view app, std::string_view tag,
                                proto::TimePoint when);

// Records an attempt that finished at `now`: last_run/outcome/status/error, consecutive_failures
// (0 unless failed, then +1), the validators (a 304 sets `validated`), period_start, the next
// run, and run.cache. Errors: not_found; bad_state (replaced since the run started); bad_field
// (a cache body over max_cache_body).
Result<Registration> record_run(detail::WriteAccess& w, std::string_view app, std::string_view tag, const Run& run,
                                proto::TimePoint now);

// ---- reads: a read or a write transaction alike --------------------------------------------
Result<std::optional<Registration>> get_registration(const detail::Store& s, MDB_txn* txn, std::string_view app,
                                                     std::string_view tag);
// In (app, tag) byte order, at most `max`; only `app`'s when given. O(result).
Result<std::vector<Registration>> list_registrations(const detail::Store& s, MDB_txn* txn,
                                                     std::optional<std::string_view> app, std::size_t max);
// Registrations with next_earliest <= now, earliest first, at most `max`. Constraints are not
// judged here: the daemon skips those whose constraints fail (they stay due and run once when
// conditions allow). O(max) seeks, never a scan of all registrations.
Result<std::vector<Registration>> due_registrations(const detail::Store& s, MDB_txn* txn, proto::TimePoint now,
                                                    std::size_t max);
// The earliest next_earliest of all registrations, or the earliest later than `after`, if any.
// One seek.
Result<std::optional<proto::TimePoint>> next_earliest(const detail::Store& s, MDB_txn* txn,
                                                      std::optional<proto::TimePoint> after = std::nullopt);
Result<std::optional<CacheEntry>> get_cache(const detail::Store& s, MDB_txn* txn, std::string_view app,
                                            std::string_view tag);
// When the cached body was fetched, if there is one, without reading the body.
Result<std::optional<proto::TimePoint>> cache_fetched(const detail::Store& s, MDB_txn* txn, std::string_view app, std::string_view tag);

}  // namespace bgsync::store::periodic
