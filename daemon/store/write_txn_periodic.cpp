// WriteTxn's periodic sync: registrations and runs, stored by periodic.cpp through the
// transaction's WriteAccess (so a storage error poisons, as everywhere), and the `periodic` event
// appended when a run ends its period.
#include "daemon/store/periodic.hpp"
#include "daemon/store/write_txn_impl.hpp"

namespace bgsync::store {

Result<periodic::PutResult> WriteTxn::periodic_put(periodic::Registration reg, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  return periodic::put_registration(t.io, std::move(reg), now);
}

Result<bool> WriteTxn::periodic_remove(std::string_view app, std::string_view tag) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  return periodic::remove_registration(t.io, app, tag);
}

Result<periodic::Registration> WriteTxn::periodic_reschedule(std::string_view app, std::string_view tag,
                                                             TimePoint when) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  return periodic::reschedule(t.io, app, tag, when);
}

Result<periodic::Registration> WriteTxn::periodic_record(std::string_view app, std::string_view tag,
                                                         const periodic::Run& run, TimePoint now) {
  Impl& t = *impl_;
  if (auto r = t.usable(); !r) return r.error();
  auto reg = periodic::record_run(t.io, app, tag, run, now);
  if (!reg || !run.report) return reg;
  Event e;
  e.type = proto::EventType::periodic;
  e.tag = std::string(tag);
  e.app = std::string(app);
  e.time = now;
  e.status = run.status;
  if (run.outcome == proto::PeriodicOutcome::failed) e.error = run.error;
  e.outcome = run.outcome;
  e.duration = run.duration;
  if (auto r = t.append_event(std::move(e)); !r) return r.error();
  return reg;
}

}  // namespace bgsync::store
