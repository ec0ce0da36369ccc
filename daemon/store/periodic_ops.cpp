// The write transaction's periodic-sync operations: thin wrappers over periodic.cpp that poison
// the transaction on a storage error, and append the `periodic` event when a run ends its period.
#include "daemon/store/txn_writer.hpp"

namespace bgsync::store::detail {
namespace {

bool is_storage(const proto::Error& e) {
  return e.code == proto::errc::storage_error || e.code == proto::errc::storage_full;
}

}  // namespace

template <class T>
Result<T> TxnWriter::poison_on_storage_error(Result<T> result) {
  if (!result && is_storage(result.error())) return fail(result.error());
  return result;
}

Result<periodic::PutResult> TxnWriter::periodic_put(periodic::Registration reg, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  return poison_on_storage_error(periodic::put_registration(store_, txn_, std::move(reg), now));
}

Result<bool> TxnWriter::periodic_remove(std::string_view app, std::string_view tag) {
  if (auto r = usable(); !r) return r.error();
  return poison_on_storage_error(periodic::remove_registration(store_, txn_, app, tag));
}

Result<periodic::Registration> TxnWriter::periodic_reschedule(std::string_view app, std::string_view tag,
                                                              TimePoint when) {
  if (auto r = usable(); !r) return r.error();
  return poison_on_storage_error(periodic::reschedule(store_, txn_, app, tag, when));
}

Result<periodic::Registration> TxnWriter::periodic_record(std::string_view app, std::string_view tag,
                                                          const periodic::Run& run, TimePoint now) {
  if (auto r = usable(); !r) return r.error();
  auto reg = poison_on_storage_error(periodic::record_run(store_, txn_, app, tag, run, now));
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
  if (auto r = append_event(std::move(e)); !r) return r.error();
  return reg;
}

}  // namespace bgsync::store::detail
