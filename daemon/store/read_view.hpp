// ReadView: the outbox's read side. There are two ways to get one, and each says what it sees:
// CommitQueue::visible() (every write acknowledged before the call) and Outbox::published()
// (whatever LMDB has published: possibly behind the commit queue, so for start-up before the
// queue exists, for reads that are deliberately stale, and for tests that write without a queue).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/outbox.hpp"

namespace bgsync::store {

namespace detail {
struct Store;
}

class CommitQueue;

// A cheap handle (copy it freely) valid while its Outbox lives. Reads are callable from any
// thread, each in its own short read transaction, so reads on the io thread never wait for the
// writer thread; two reads may see different publishes.
class ReadView {
 public:
  // get() and list() fill Action::waiting for queued actions as of the read (now = the system
  // clock): paused > network (parked) > tag (behind its head) > backoff (next_attempt > now) >
  // none. Each costs at most one tagq seek per action.
  Result<std::optional<Action>> get(const ActionId& id) const;
  // Each action's URL and record size (nullopt: no such action), in the order asked, without
  // decoding bodies; one read transaction for all, as the scheduler asks once per look at due().
  Result<std::vector<std::optional<ActionRoute>>> routes_of(const std::vector<ActionId>& ids) const;
  Result<proto::ListPage> list(const proto::ListQuery& query) const;   // id order (= creation order)
  // The one action `ref` names: a whole id as it is (without a read: the operation that uses it
  // says not_found), a prefix as the only id that starts with it. Errors: not_found, ambiguous_id
  // (the message lists a few of the matches). One cursor seek and at most three steps.
  Result<ActionId> resolve(const proto::ActionRef& ref) const;
  Result<proto::StateCounts> counts() const;                           // O(1): kept in meta
  Result<bool> paused() const;
  Result<std::uint64_t> last_seq() const;                              // 0 when no event yet
  Result<std::uint64_t> first_seq() const;                             // oldest retained; 0 when empty
  // Queued, unparked tag heads in (next_attempt, enqueue order) order, at most `max`, starting at the
  // earliest; callers stop at the first one in the future. O(max), never a scan of the outbox.
  Result<std::vector<DueEntry>> due(std::size_t max) const;
  Result<std::vector<Event>> events_after(std::uint64_t seq, std::size_t max) const;
  // The distinct destinations with parked actions, in byte order. O(destinations): one seek per
  // destination, however many actions each has parked.
  Result<std::vector<std::string>> parked_destinations() const;
  // How many actions are marked for WriteTxn::reset_network_backoff. O(1).
  Result<std::uint64_t> network_backoff_marks() const;

  // ---- periodic sync: registrations, their schedule and cache (periodic.hpp) ----------------
  Result<std::optional<PeriodicListed>> periodic_get(std::string_view app, std::string_view tag) const;
  // In (app, tag) order, at most `max`; only `app`'s when given.
  Result<std::vector<PeriodicListed>> periodic_list(std::optional<std::string_view> app, std::size_t max) const;
  // next_earliest <= now, earliest first, at most `max`. O(max).
  Result<std::vector<periodic::Registration>> periodic_due(TimePoint now, std::size_t max) const;
  // The earliest next_earliest, or the earliest later than `after` (the scheduler's timer, which
  // must see past overdue registrations held by a constraint), if any. One seek.
  Result<std::optional<TimePoint>> periodic_next(std::optional<TimePoint> after = std::nullopt) const;
  Result<std::optional<periodic::CacheEntry>> periodic_cache(std::string_view app, std::string_view tag) const;

 private:
  // The only doors: CommitQueue::visible() and Outbox::published().
  friend class CommitQueue;
  friend class Outbox;
  explicit ReadView(const Outbox& outbox) noexcept;
  const detail::Store* store_;
};

}  // namespace bgsync::store
