// Helpers shared by the periodic-sync store tests: a typical registration, runs of a stored
// registration, and one-transaction shorthands for registering, recording and reading back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/outbox.hpp"
#include "daemon/store/periodic_record.hpp"
#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {

using periodic::CacheEntry;
using periodic::PutResult;
using periodic::Registration;
using periodic::Run;

// A feed fetched every minute on unmetered networks when the battery is not low.
inline Registration registration(std::string tag, std::string app = "news") {
  Registration r;
  r.app = std::move(app);
  r.tag = std::move(tag);
  r.min_interval_ms = 60'000;
  r.request.url = "https://example.com/feed";
  r.request.headers = {{"Accept", "application/json"}};
  r.network = proto::NetworkConstraint::unmetered;
  r.power = proto::PowerConstraint::not_low_battery;
  return r;
}

// A finished run of `reg` as stored now (so it may record), scheduling the next at `next`.
inline Run run_of(const Registration& reg, proto::PeriodicOutcome outcome, std::optional<int> status,
                  std::int64_t next) {
  Run run;
  run.outcome = outcome;
  run.status = status;
  run.registered = reg.updated;
  run.next_earliest = at(next);
  return run;
}

inline PutResult put_result(Outbox& outbox, Registration reg, std::int64_t now) {
  PutResult out;
  write(outbox, [&](WriteTxn& txn) { out = check(txn.periodic_put(std::move(reg), at(now))); });
  return out;
}

inline Registration put(Outbox& outbox, Registration reg, std::int64_t now) {
  return put_result(outbox, std::move(reg), now).registration;
}

inline Registration record(Outbox& outbox, std::string_view app, std::string_view tag, const Run& run,
                           std::int64_t now) {
  Registration out;
  write(outbox, [&](WriteTxn& txn) { out = check(txn.periodic_record(app, tag, run, at(now))); });
  return out;
}

// The stored registration, which must exist.
inline Registration stored(const Outbox& outbox, std::string_view app, std::string_view tag) {
  auto got = check(outbox.published().periodic_get(app, tag));
  if (!got) FAIL("no periodic registration " << std::string(app) << "/" << std::string(tag));
  return std::move(got->registration);
}

inline std::vector<Registration> listed(const std::vector<PeriodicListed>& list) {
  std::vector<Registration> out;
  for (const auto& l : list) out.push_back(l.registration);
  return out;
}

inline std::vector<std::string> tags(const std::vector<Registration>& regs) {
  std::vector<std::string> out;
  for (const auto& r : regs) out.push_back(r.tag);
  return out;
}

}  // namespace bgsync::store::test
