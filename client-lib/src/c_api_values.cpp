// Copies libbgsync's C++ values into the C API's structs (see c_api_values.hpp for who owns what).
// Times become milliseconds since the epoch with 0 for "none"; empty optional strings become NULL.

#include "client-lib/src/c_api_values.hpp"

namespace bgsync::capi {
namespace {

template <class T>
BoxPtr<T> make_box() {
  BoxPtr<T> box(new Box<T>);
  box->storage = new Storage;
  return box;
}

std::int64_t to_ms(TimePoint time) { return time.time_since_epoch().count(); }
std::int64_t to_ms(const std::optional<TimePoint>& time) { return time ? to_ms(*time) : 0; }

void fill(Storage& storage, bgsync_action& out, const Action& in) {
  out.id = storage.keep(in.id.to_string());
  out.app = storage.keep(in.app);
  out.tag = storage.keep(in.tag);
  out.state = static_cast<int>(in.state);
  out.method = storage.keep(in.method);
  out.url = storage.keep(in.url);
  out.headers = storage.keep(in.headers);
  out.header_count = in.headers.size();
  out.body = storage.keep(in.body);
  out.body_len = in.body.size();
  out.attempts = in.attempts;
  out.created_ms = to_ms(in.created);
  out.updated_ms = to_ms(in.updated);
  out.next_attempt_ms = to_ms(in.next_attempt);
  out.waiting = in.waiting == proto::WaitReason::none ? nullptr : storage.keep(std::string(to_string(in.waiting)));
  out.last_error = storage.keep_or_null(in.last_error);
  out.response_status = in.response_status.value_or(0);
  out.response_headers = storage.keep(in.response_headers);
  out.response_header_count = in.response_headers.size();
  out.response_body = storage.keep(in.response_body);
  out.response_body_len = in.response_body.size();
}

void fill(Storage& storage, bgsync_periodic& out, const PeriodicRegistration& in) {
  out.app = storage.keep(in.app);
  out.tag = storage.keep(in.tag);
  out.min_interval_ms = in.min_interval.count();
  out.method = storage.keep(in.method);
  out.url = storage.keep(in.url);
  out.headers = storage.keep(in.headers);
  out.header_count = in.headers.size();
  out.body = storage.keep(in.body);
  out.body_len = in.body.size();
  out.network = static_cast<int>(in.network);
  out.power = static_cast<int>(in.power);
  out.created_ms = to_ms(in.created);
  out.updated_ms = to_ms(in.updated);
  out.last_run_ms = to_ms(in.last_run);
  out.last_outcome = in.last_outcome ? static_cast<int>(*in.last_outcome) : BGSYNC_OUTCOME_NONE;
  out.last_status = in.last_status.value_or(0);
  out.last_error = storage.keep_or_null(in.last_error);
  out.consecutive_failures = in.consecutive_failures;
  out.next_earliest_ms = to_ms(in.next_earliest);
  out.etag = storage.keep_or_null(in.etag);
  out.last_modified = storage.keep_or_null(in.last_modified);
  out.cached_ms = to_ms(in.cached);
  out.running = in.running ? 1 : 0;
  out.network_satisfied = in.network_state.satisfied ? 1 : 0;
  out.network_reason = storage.keep(in.network_state.reason);
  out.power_satisfied = in.power_state.satisfied ? 1 : 0;
  out.power_reason = storage.keep(in.power_state.reason);
  out.waiting = storage.keep_or_null(in.waiting);
}

}  // namespace

const char* Storage::keep(std::string text) { return strings.emplace_back(std::move(text)).c_str(); }

const char* Storage::keep_or_null(std::string text) { return text.empty() ? nullptr : keep(std::move(text)); }

const bgsync_header* Storage::keep(const Headers& headers) {
  auto& array = header_arrays.emplace_back();
  array.reserve(headers.size());
  for (const auto& header : headers) array.push_back({keep(header.name), keep(header.value)});
  return array.data();
}

BoxPtr<bgsync_action> make_action(const Action& action) {
  auto box = make_box<bgsync_action>();
  fill(*box->storage, box->value, action);
  return box;
}

BoxPtr<bgsync_action_list> make_action_list(const std::vector<Action>& actions, const std::optional<ActionId>& next) {
  auto box = make_box<bgsync_action_list>();
  Storage& storage = *box->storage;
  storage.actions.resize(actions.size());
  for (std::size_t i = 0; i < actions.size(); ++i) fill(storage, storage.actions[i], actions[i]);
  box->value.actions = storage.actions.data();
  box->value.count = actions.size();
  box->value.next = next ? storage.keep(next->to_string()) : nullptr;
  return box;
}

BoxPtr<bgsync_status> make_status(const Status& status) {
  auto box = make_box<bgsync_status>();
  bgsync_status& out = box->value;
  out.version = box->storage->keep(status.version);
  out.online = status.online ? 1 : 0;
  out.network_reason = box->storage->keep_or_null(status.network_reason);
  out.network_since_ms = to_ms(status.network_since);
  out.paused = status.paused ? 1 : 0;
  out.queued = status.counts[ActionState::queued];
  out.sending = status.counts[ActionState::sending];
  out.sent = status.counts[ActionState::sent];
  out.failed = status.counts[ActionState::failed];
  out.cancelled = status.counts[ActionState::cancelled];
  out.last_seq = status.last_seq;
  out.next_attempt_ms = to_ms(status.next_attempt);
  return box;
}

BoxPtr<bgsync_event> make_event(const Event& event) {
  auto box = make_box<bgsync_event>();
  bgsync_event& out = box->value;
  Storage& storage = *box->storage;
  out.seq = event.seq;
  out.type = static_cast<int>(event.type);
  out.id = storage.keep(event.id.to_string());
  out.tag = storage.keep(event.tag);
  out.app = storage.keep(event.app);
  out.time_ms = to_ms(event.time);
  out.attempt = event.attempt;
  out.status = event.status.value_or(0);
  out.error = storage.keep_or_null(event.error);
  out.next_attempt_ms = to_ms(event.next_attempt);
  out.online = event.online ? (*event.online ? 1 : 0) : -1;
  out.reason = storage.keep_or_null(event.reason);
  out.outcome = event.outcome ? static_cast<int>(*event.outcome) : BGSYNC_OUTCOME_NONE;
  out.duration_ms = event.duration ? event.duration->count() : -1;
  return box;
}

BoxPtr<bgsync_periodic> make_periodic(const PeriodicRegistration& registration) {
  auto box = make_box<bgsync_periodic>();
  fill(*box->storage, box->value, registration);
  return box;
}

BoxPtr<bgsync_periodic_list> make_periodic_list(const std::vector<PeriodicRegistration>& registrations) {
  auto box = make_box<bgsync_periodic_list>();
  Storage& storage = *box->storage;
  storage.registrations.resize(registrations.size());
  for (std::size_t i = 0; i < registrations.size(); ++i) fill(storage, storage.registrations[i], registrations[i]);
  box->value.registrations = storage.registrations.data();
  box->value.count = registrations.size();
  return box;
}

BoxPtr<bgsync_cached_response> make_cached_response(const CachedResponse& response) {
  auto box = make_box<bgsync_cached_response>();
  bgsync_cached_response& out = box->value;
  Storage& storage = *box->storage;
  out.app = storage.keep(response.app);
  out.tag = storage.keep(response.tag);
  out.status = response.status;
  out.headers = storage.keep(response.headers);
  out.header_count = response.headers.size();
  out.body = storage.keep(response.body);
  out.body_len = response.body.size();
  out.fetched_ms = to_ms(response.fetched);
  out.validated_ms = to_ms(response.validated);
  return box;
}

BoxPtr<bgsync_wait_list> make_wait_list(const std::vector<WaitResult>& results) {
  auto box = make_box<bgsync_wait_list>();
  Storage& storage = *box->storage;
  storage.wait_results.resize(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    bgsync_wait_result& out = storage.wait_results[i];
    out.id = storage.keep(results[i].id.to_string());
    out.outcome = static_cast<int>(results[i].outcome);
    out.state = static_cast<int>(results[i].state);
    out.status = results[i].status.value_or(0);
    out.error = storage.keep_or_null(results[i].error);
    out.seq = results[i].seq;
  }
  box->value.results = storage.wait_results.data();
  box->value.count = results.size();
  return box;
}

}  // namespace bgsync::capi
