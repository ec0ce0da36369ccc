// Replay equivalence: a seeded random run of every WriteTxn operation, in batches through a
// BatchWriter, on two outboxes fed the same ids and times. A publishes (the reference); B drops
// its unpublished batches, as a crash would, and reopens, replaying its journal. Their LMDB
// contents must then be equal, so an operation whose writes the journal misses shows up here.
#include "daemon/store/batch_writer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/store/lmdb_dump.hpp"
#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;

// Years before the wall clock, so that no time the run feeds can be mistaken for the recovery
// time that Outbox::open takes from the wall clock (see mask_recovery).
constexpr std::int64_t base_ms = 1'700'000'000'000;
constexpr std::size_t phases = 3;
constexpr std::size_t batches_per_phase = 24;
constexpr std::size_t map_size = std::size_t{64} << 20;

const std::array<std::string, 3> tags{"alpha", "beta", "gamma"};
const std::array<std::string, 2> destinations{"a.example", "b.example"};
const std::array<std::pair<std::string, std::string>, 3> periodic_keys{
    {{"news", "feed"}, {"news", "mail"}, {"chat", "feed"}}};

// What the run believes of the outbox, from the reference's replies: enough to aim most
// operations at an action or registration they fit. It need not be exact (a miss is an invalid
// operation, which is part of the test too).
struct Shadow {
  std::map<std::uint64_t, ActionState> states;  // by make_id number
  std::map<std::uint64_t, std::string> parked;  // destination
  std::map<std::pair<std::string, std::string>, periodic::Registration> registrations;
};

// An operation, ready to run on either outbox: returns "ok" or the error (code and message),
// which must agree. `shadow` is set for the reference only.
struct Op {
  std::string what;
  std::function<std::string(WriteTxn&, Shadow*)> run;
};

template <class T>
std::string outcome(const Result<T>& r) {
  return r ? std::string("ok") : "error " + std::to_string(r.error().code.value()) + " " + r.error().message;
}

std::uint64_t number_of(const ActionId& id) {
  std::uint64_t n = 0;
  for (std::size_t i = 9; i < 16; ++i) n = (n << 8) | id.bytes[i];
  return n;
}

void note(Shadow* shadow, const Action& a) {
  if (!shadow) return;
  shadow->states[number_of(a.id)] = a.state;
  if (a.state != ActionState::queued) shadow->parked.erase(number_of(a.id));
}

// Generates the operations: a seeded random mix of every write operation, times moving forward.
class Script {
 public:
  explicit Script(std::uint32_t seed) : rng_(seed) {}

  Shadow shadow;

  Op next() {
    tick();
    switch (pick_weighted()) {
      case 0: return enqueue(false);
      case 1: return enqueue(true);
      case 2: return mark_sending(pick(ActionState::queued));
      case 3: return finish(0);
      case 4: return finish(1);
      case 5: return finish(2);
      case 6: return finish(3);
      case 7: return cancel_id();
      case 8: return cancel_tag();
      case 9: return retry();
      case 10: return park();
      case 11: return unpark();
      case 12: return reset_network_backoff();
      case 13: return record_network();
      case 14: return periodic_put();
      case 15: return periodic_record();
      case 16: return periodic_reschedule();
      case 17: return periodic_remove();
      case 18: return set_paused();
      case 19: return prune_events();
      case 20: return enqueue_spooled();
      case 21: return record_rejected();
      default: return invalid();
    }
  }

  // An operation that must fail and write nothing.
  Op invalid() {
    const TimePoint now = at(now_ms_);
    const ActionId unknown = make_id(next_id_ + 1000);
    const ActionId queued = make_id(pick(ActionState::queued));
    switch (uniform(0, 5)) {
      case 0: return {"mark_sending of an unknown action", [=](WriteTxn& t, Shadow*) {
                        return outcome(t.mark_sending(unknown, now));
                      }};
      case 1: return {"mark_sent of a queued action", [=](WriteTxn& t, Shadow*) {
                        return outcome(t.mark_sent(queued, AttemptResult{200, {}, "", ""}, now));
                      }};
      case 2: return {"park under an empty destination",
                      [=](WriteTxn& t, Shadow*) { return outcome(t.park(queued, "", now)); }};
      case 3: return {"periodic_reschedule of an unknown registration",
                      [=](WriteTxn& t, Shadow*) { return outcome(t.periodic_reschedule("nobody", "none", now)); }};
      case 4: return {"enqueue with a NUL in its tag", [=](WriteTxn& t, Shadow*) {
                        return outcome(t.enqueue(request(std::string("bad\0tag", 7)), unknown, now));
                      }};
      default: return {"cancel with neither action nor tag",
                       [=](WriteTxn& t, Shadow*) { return outcome(t.cancel(proto::CancelArgs{}, now)); }};
    }
  }

  // mark_sending of a queued, unparked action (the first), so that the reopen has one to recover.
  Op send_one() {
    for (const auto& [number, state] : shadow.states) {
      if (state == ActionState::queued && !shadow.parked.contains(number)) return mark_sending(number);
    }
    return mark_sending(next_id_);  // none: an unknown action, which sends nothing
  }

  std::size_t uniform(std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

 private:
  void tick() { now_ms_ += static_cast<std::int64_t>(uniform(0, 3000)); }

  std::size_t pick_weighted() {
    static constexpr std::array<double, 23> weights{3, 4, 6, 2, 2, 2, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1};
    return std::discrete_distribution<std::size_t>(weights.begin(), weights.end())(rng_);
  }

  // Mostly an action the shadow has in `state`; else any number, known or not.
  std::uint64_t pick(ActionState state) {
    std::vector<std::uint64_t> fitting;
    for (const auto& [number, s] : shadow.states) {
      if (s == state) fitting.push_back(number);
    }
    if (!fitting.empty() && chance(0.9)) return fitting[uniform(0, fitting.size() - 1)];
    return uniform(1, next_id_ + 1);
  }

  const std::string& any_tag() { return tags[uniform(0, tags.size() - 1)]; }
  const std::string& any_destination() { return destinations[uniform(0, destinations.size() - 1)]; }
  const std::pair<std::string, std::string>& any_key() { return periodic_keys[uniform(0, periodic_keys.size() - 1)]; }

  AttemptResult attempt(bool with_status) {
    AttemptResult r;
    if (with_status) r.status = std::array{200, 201, 429, 503}[uniform(0, 3)];
    r.headers = {{"X-Attempt", std::to_string(uniform(0, 999))}};
    r.body = std::string(uniform(0, 40), static_cast<char>('a' + uniform(0, 25)));
    r.error = with_status ? "HTTP error" : "connection refused";
    return r;
  }

  Op enqueue(bool tagged) {
    const std::uint64_t number = next_id_++;
    auto req = request(tagged ? any_tag() : "", chance(0.5) ? "mail" : "news",
                       std::string(uniform(0, 60), static_cast<char>('A' + uniform(0, 25))));
    const TimePoint now = at(now_ms_);
    return {"enqueue " + std::to_string(number) + " tag '" + req.tag + "'", [=](WriteTxn& t, Shadow* s) {
              auto r = t.enqueue(req, make_id(number), now);
              if (r) note(s, *r);
              return outcome(r);
            }};
  }

  // A spool file's action: mostly new, sometimes one taken in already (then nothing is written).
  Op enqueue_spooled() {
    const std::uint64_t number = chance(0.8) ? next_id_++ : uniform(1, next_id_);
    auto req = request(chance(0.5) ? any_tag() : "", "spooler", "x");
    const TimePoint created = at(now_ms_ - static_cast<std::int64_t>(uniform(0, 90'000)));
    const TimePoint now = at(now_ms_);
    return {"enqueue_spooled " + std::to_string(number) + " tag '" + req.tag + "'", [=](WriteTxn& t, Shadow* s) {
              auto r = t.enqueue_spooled(req, make_id(number), created, now);
              if (r && *r) note(s, **r);
              return r ? std::string(*r ? "ok" : "ok, existed") : outcome(r);
            }};
  }

  Op record_rejected() {
    const ActionId id = make_id(chance(0.5) ? next_id_ + 5000 : 0);
    const TimePoint now = at(now_ms_);
    return {"record_rejected", [=](WriteTxn& t, Shadow*) {
              return outcome(t.record_rejected(id, "spool file x.json: not JSON", now));
            }};
  }

  Op mark_sending(std::uint64_t number) {
    const TimePoint now = at(now_ms_);
    return {"mark_sending " + std::to_string(number), [=](WriteTxn& t, Shadow* s) {
              auto r = t.mark_sending(make_id(number), now);
              if (r) note(s, *r);
              return outcome(r);
            }};
  }

  // How a `sending` action finishes: 0 sent, 1 failed, 2 retry after a response, 3 retry after
  // a network error (marked for reset_network_backoff).
  Op finish(int how) {
    const std::uint64_t number = pick(ActionState::sending);
    const TimePoint now = at(now_ms_);
    const TimePoint later = at(now_ms_ + static_cast<std::int64_t>(uniform(0, 20000)));
    const AttemptResult result = attempt(how != 3);
    static constexpr std::array<const char*, 4> names{"mark_sent ", "mark_failed ", "mark_retry (status) ",
                                                      "mark_retry (network) "};
    return {names[static_cast<std::size_t>(how)] + std::to_string(number), [=](WriteTxn& t, Shadow* s) {
              const ActionId id = make_id(number);
              auto r = how == 0   ? t.mark_sent(id, result, now)
                       : how == 1 ? t.mark_failed(id, result, now)
                                  : t.mark_retry(id, result, later, now);
              if (r) note(s, *r);
              return outcome(r);
            }};
  }

  Op cancel_id() {
    const std::uint64_t number = pick(chance(0.5) ? ActionState::queued : ActionState::sending);
    const TimePoint now = at(now_ms_);
    return {"cancel " + std::to_string(number), [=](WriteTxn& t, Shadow* s) {
              proto::CancelArgs args;
              args.action = make_id(number);
              auto r = t.cancel(args, now);
              if (r) for (const auto& a : *r) note(s, a);
              return outcome(r);
            }};
  }

  Op cancel_tag() {
    const std::string tag = any_tag();
    const TimePoint now = at(now_ms_);
    return {"cancel tag " + tag, [=](WriteTxn& t, Shadow* s) {
              proto::CancelArgs args;
              args.tag = tag;
              auto r = t.cancel(args, now);
              if (r) for (const auto& a : *r) note(s, a);
              return outcome(r);
            }};
  }

  Op retry() {
    static constexpr std::array states{ActionState::failed, ActionState::cancelled, ActionState::queued};
    const std::uint64_t number = pick(states[uniform(0, 2)]);
    const TimePoint now = at(now_ms_);
    return {"retry " + std::to_string(number), [=](WriteTxn& t, Shadow* s) {
              auto r = t.retry(make_id(number), now);
              if (r) note(s, *r);
              return outcome(r);
            }};
  }

  Op park() {
    const std::uint64_t number = pick(ActionState::queued);
    const std::string destination = any_destination();
    const TimePoint now = at(now_ms_);
    return {"park " + std::to_string(number) + " under " + destination, [=](WriteTxn& t, Shadow* s) {
              auto r = t.park(make_id(number), destination, now);
              if (r && s) s->parked[number] = destination;
              return outcome(r);
            }};
  }

  Op unpark() {
    const std::string destination = any_destination();
    const std::size_t max = uniform(1, 4);
    const TimePoint now = at(now_ms_);
    return {"unpark " + destination, [=](WriteTxn& t, Shadow* s) {
              auto r = t.unpark(destination, now, max);
              // The lowest numbers first: enqueue order, unless a retry moved one back in line.
              if (r && s) {
                std::size_t left = *r;
                std::erase_if(s->parked, [&](const auto& p) {
                  if (p.second != destination || left == 0) return false;
                  --left;
                  return true;
                });
              }
              return outcome(r);
            }};
  }

  Op reset_network_backoff() {
    const std::size_t max = uniform(1, 4);
    const TimePoint now = at(now_ms_);
    return {"reset_network_backoff", [=](WriteTxn& t, Shadow*) { return outcome(t.reset_network_backoff(now, max)); }};
  }

  Op record_network() {
    const bool online = chance(0.5);
    const TimePoint now = at(now_ms_);
    return {"record_network", [=](WriteTxn& t, Shadow*) {
              return outcome(t.record_network(online, online ? "" : "link eth0 down", now));
            }};
  }

  Op periodic_put() {
    const auto key = any_key();
    periodic::Registration reg;
    reg.app = key.first;
    reg.tag = key.second;
    reg.min_interval_ms = chance(0.5) ? 60'000 : 120'000;
    reg.request.url = chance(0.7) ? "https://example.com/feed" : "https://example.com/other";
    reg.request.headers = {{"Accept", "application/json"}};
    reg.network = chance(0.5) ? proto::NetworkConstraint::any : proto::NetworkConstraint::unmetered;
    reg.power = chance(0.5) ? proto::PowerConstraint::any : proto::PowerConstraint::not_low_battery;
    const TimePoint now = at(now_ms_);
    return {"periodic_put " + key.first + "/" + key.second, [=](WriteTxn& t, Shadow* s) {
              auto r = t.periodic_put(reg, now);
              if (r && s) s->registrations[key] = r->registration;
              return outcome(r);
            }};
  }

  Op periodic_record() {
    const auto key = any_key();
    periodic::Run run;
    run.outcome = std::array{proto::PeriodicOutcome::updated, proto::PeriodicOutcome::not_modified,
                             proto::PeriodicOutcome::failed}[uniform(0, 2)];
    if (run.outcome == proto::PeriodicOutcome::updated) run.status = 200;
    if (run.outcome == proto::PeriodicOutcome::not_modified) run.status = 304;
    if (run.outcome == proto::PeriodicOutcome::failed && chance(0.5)) run.status = 500;
    run.error = run.outcome == proto::PeriodicOutcome::failed ? "timed out" : "";
    run.next_earliest = at(now_ms_ + 60'000);
    if (run.outcome == proto::PeriodicOutcome::failed && chance(0.5)) run.period_start = at(now_ms_ - 1000);
    // A stale `registered` now and then: a run of a registration replaced meanwhile (bad_state).
    if (auto it = shadow.registrations.find(key); it != shadow.registrations.end() && chance(0.9)) {
      run.registered = it->second.updated;
    }
    if (run.outcome == proto::PeriodicOutcome::updated) {
      run.etag = "\"v" + std::to_string(uniform(0, 99)) + "\"";
      run.last_modified = "Tue, 01 Dec 2026 10:00:00 GMT";
      run.cache = periodic::CacheEntry{200, {{"Content-Type", "text/plain"}},
                                       "body " + std::to_string(uniform(0, 9999)), at(now_ms_)};
    }
    run.report = chance(0.6);
    run.duration = std::chrono::milliseconds(uniform(1, 900));
    const TimePoint now = at(now_ms_);
    return {"periodic_record " + key.first + "/" + key.second, [=](WriteTxn& t, Shadow* s) {
              auto r = t.periodic_record(key.first, key.second, run, now);
              if (r && s) s->registrations[key] = *r;
              return outcome(r);
            }};
  }

  Op periodic_reschedule() {
    const auto key = any_key();
    const TimePoint when = at(now_ms_ + static_cast<std::int64_t>(uniform(0, 90'000)));
    return {"periodic_reschedule " + key.first + "/" + key.second, [=](WriteTxn& t, Shadow* s) {
              auto r = t.periodic_reschedule(key.first, key.second, when);
              if (r && s) s->registrations[key] = *r;
              return outcome(r);
            }};
  }

  Op periodic_remove() {
    const auto key = any_key();
    return {"periodic_remove " + key.first + "/" + key.second, [=](WriteTxn& t, Shadow* s) {
              auto r = t.periodic_remove(key.first, key.second);
              if (r && s) s->registrations.erase(key);
              return outcome(r);
            }};
  }

  Op set_paused() {
    const bool paused = chance(0.5);
    return {paused ? "pause" : "unpause", [=](WriteTxn& t, Shadow*) { return outcome(t.set_paused(paused)); }};
  }

  Op prune_events() {
    const TimePoint cutoff = at(now_ms_ - static_cast<std::int64_t>(uniform(0, 60'000)));
    const std::size_t max = uniform(1, 8);
    return {"prune_events", [=](WriteTxn& t, Shadow*) { return outcome(t.prune_events(cutoff, max)); }};
  }

  std::mt19937 rng_;
  std::int64_t now_ms_ = base_ms;
  std::uint64_t next_id_ = 1;
};

// One outbox of the pair, with its batch writer.
struct Side {
  std::filesystem::path dir;
  std::unique_ptr<Outbox> outbox;
  std::optional<BatchWriter> writer;

  void open() {
    outbox = open_outbox(dir, map_size);
    writer.emplace(*outbox);
  }
  // Without a publish, the writer's unpublished batches leave LMDB's view with it.
  void close() {
    writer.reset();
    outbox.reset();
  }
};

// Runs one batch of `n` operations from `next` on both sides, requiring the same outcome of
// each. Each is made after the one before ran, so that it is aimed by an up-to-date shadow.
void run_batch(Side& a, Side& b, std::size_t n, const std::function<Op()>& next, Shadow& shadow, bool flush) {
  WriteTxn* ta = check(a.writer->begin());
  WriteTxn* tb = check(b.writer->begin());
  for (std::size_t i = 0; i < n; ++i) {
    const Op op = next();
    INFO("operation: " << op.what);
    const std::string got_b = op.run(*tb, nullptr);
    const std::string got_a = op.run(*ta, &shadow);
    REQUIRE(got_a == got_b);
  }
  check(a.writer->end(flush));
  check(b.writer->end(flush));
}

// The 8-byte forms a time takes in the outbox's records: little-endian ms in values, and
// big-endian with the sign bit flipped in due keys (record.hpp), as hex like the dump's.
std::array<std::string, 2> time_forms(TimePoint t) {
  const auto ms = static_cast<std::uint64_t>(t.time_since_epoch().count());
  std::string le(8, '\0');
  std::string be(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) {
    le[i] = static_cast<char>(ms >> (8 * i));
    be[7 - i] = static_cast<char>((ms ^ (std::uint64_t{1} << 63)) >> (8 * i));
  }
  return {hex(le), hex(be)};
}

// Outbox::open re-queues `sending` actions at the wall clock's time, which the test cannot feed,
// so the two sides' recoveries record different times: rewrite B's into A's (whole bytes only)
// before comparing. The run's own times are years earlier, so they never match by accident.
void mask_recovery(Dump& dump, const std::vector<std::pair<TimePoint, TimePoint>>& b_to_a) {
  for (auto& line : dump) {
    for (const auto& [from, to] : b_to_a) {
      const auto froms = time_forms(from);
      const auto tos = time_forms(to);
      for (std::size_t f = 0; f < froms.size(); ++f) {
        const std::size_t fields = line.find('\t');
        for (auto at = line.find(froms[f], fields); at != std::string::npos; at = line.find(froms[f], at + 1)) {
          // A byte boundary of its hex field: fields start after a tab, at an even distance.
          const std::size_t field = line.rfind('\t', at) + 1;
          if ((at - field) % 2 == 0) line.replace(at, tos[f].size(), tos[f]);
        }
      }
    }
  }
  std::sort(dump.begin(), dump.end());
}

// The recovery time of each side's last open, from its `retry` events: none when nothing was
// in flight.
std::optional<TimePoint> recovery_time(Side& side, Shadow* shadow) {
  const std::size_t recovered = side.outbox->recovered();
  if (recovered == 0) return std::nullopt;
  const std::uint64_t last = check(side.outbox->published().last_seq());
  const auto events = check(side.outbox->published().events_after(last - recovered, recovered));
  REQUIRE(events.size() == recovered);
  for (const auto& e : events) {
    REQUIRE(e.type == proto::EventType::retry);
    REQUIRE(e.time == events.front().time);
    if (shadow) shadow->states[number_of(e.id)] = ActionState::queued;
  }
  return events.front().time;
}

}  // namespace

TEST_CASE("a replayed journal makes the state a publish makes, for every write operation",
          "[store][journal][replay]") {
  const std::uint32_t seed = GENERATE(1u, 2u, 3u, 4u, 5u);
  INFO("seed " << seed);
  TempDir dir_a;
  TempDir dir_b;
  Side a{dir_a.path(), {}, {}};
  Side b{dir_b.path(), {}, {}};
  Script script(seed);
  std::vector<std::pair<TimePoint, TimePoint>> recovery_b_to_a;
  a.open();
  b.open();
  for (std::size_t phase = 0; phase < phases; ++phase) {
    INFO("phase " << phase);
    for (std::size_t batch = 0; batch < batches_per_phase; ++batch) {
      INFO("batch " << batch);
      const bool only_invalid = script.chance(0.1);
      const std::size_t unpublished_a = a.writer->unpublished();
      const std::size_t unpublished_b = b.writer->unpublished();
      run_batch(a, b, script.uniform(1, 6), [&] { return only_invalid ? script.invalid() : script.next(); },
                script.shadow, script.chance(0.05));
      if (only_invalid) {
        // Failed operations leave no trace: such a batch journals nothing.
        REQUIRE(a.writer->unpublished() == unpublished_a);
        REQUIRE(b.writer->unpublished() == unpublished_b);
      }
      if (script.chance(0.1)) check(a.writer->publish());
      // B publishes now and then early on, so replay also starts past a published seq.
      if (batch < batches_per_phase / 2 && script.chance(0.1)) check(b.writer->publish());
    }
    // Some actions in flight for the reopen to recover, which ends with a drop of the inflight
    // table. (Today Outbox::open writes that recovery to LMDB directly, not through the journal.)
    run_batch(a, b, 3, [&] { return script.send_one(); }, script.shadow, false);
    check(a.writer->publish());
    a.close();
    b.close();

    a.open();
    b.open();
    REQUIRE(a.outbox->replayed() == 0);
    REQUIRE(b.outbox->replayed() > 0);
    REQUIRE(a.outbox->recovered() == b.outbox->recovered());
    const auto when_a = recovery_time(a, &script.shadow);
    const auto when_b = recovery_time(b, nullptr);
    if (when_a) recovery_b_to_a.emplace_back(*when_b, *when_a);
    a.close();
    b.close();

    const Dump want = dump_outbox(a.dir);
    Dump got = dump_outbox(b.dir);
    mask_recovery(got, recovery_b_to_a);
    // The differences, if any: "- " lines only the published side has, "+ " only the replayed.
    REQUIRE(dump_diff(want, got) == "");
    if (phase + 1 < phases) {
      a.open();
      b.open();
    }
  }
}

}  // namespace bgsync::store::test
