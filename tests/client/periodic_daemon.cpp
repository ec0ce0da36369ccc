// The scripted periodic-sync daemon of the syncctl tests (see periodic_daemon.hpp).

#include "tests/client/periodic_daemon.hpp"

#include "bgsync/proto/codec.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <algorithm>

namespace bgsync::test {
namespace json = boost::json;

std::string wire_time(std::chrono::seconds offset) {
  using namespace std::chrono;
  return proto::format_time(time_point_cast<milliseconds>(system_clock::now() + offset));
}

std::string push(const json::object& event) {
  return json::serialize(json::object{{"event", event}, {"subscription", 1}}) + "\n";
}

PeriodicDaemon::PeriodicDaemon()
    : server_(FakeServer::with_hello([this](const json::object& request) {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        return answer(request);
      })) {}

void PeriodicDaemon::set_registrations(json::array registrations) {
  std::lock_guard lock(mutex_);
  registrations_ = std::move(registrations);
}

void PeriodicDaemon::set_after_run(std::string frames) {
  std::lock_guard lock(mutex_);
  after_run_ = std::move(frames);
}

void PeriodicDaemon::set_after_subscribe(std::string frames) {
  std::lock_guard lock(mutex_);
  after_subscribe_ = std::move(frames);
}

void PeriodicDaemon::set_cached(json::object cached) {
  std::lock_guard lock(mutex_);
  cached_ = std::move(cached);
}

std::vector<json::object> PeriodicDaemon::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

json::object PeriodicDaemon::last() const {
  auto all = requests();
  REQUIRE_FALSE(all.empty());
  return all.back();
}

Answer PeriodicDaemon::answer(const json::object& request) {
  const std::string op = op_of(request);
  const auto* tag = request.if_contains("tag");
  if (tag != nullptr && tag->is_string() && tag->get_string() == "gone") {
    return Answer::send(error_reply(request, "not_found", "no periodic registration \"gone\" of app syncctl"));
  }
  if (op == "periodic_register") {
    const bool replace = request.at("tag").as_string() == "again";
    auto registration = sample_registration(request.at("tag").as_string());
    registration["app"] = request.at("app");
    auto interval = request.at("min_interval_ms").to_number<std::int64_t>();
    registration["min_interval_ms"] = std::max<std::int64_t>(interval, 60'000);
    registration["next_earliest"] = replace ? wire_time(std::chrono::minutes(14)) : wire_time(std::chrono::seconds(-1));
    return Answer::send(
        ok_reply(request, {{"registration", registration}, {"replaced", replace}, {"requested_interval_ms", interval}}));
  }
  if (op == "periodic_list") return Answer::send(ok_reply(request, {{"registrations", registrations_}}));
  if (op == "periodic_unregister") return Answer::send(ok_reply(request));
  if (op == "subscribe") {
    return Answer::send(ok_reply(request, {{"subscription", 1}, {"last_seq", 9}, {"first_seq", 1}}) + after_subscribe_);
  }
  if (op == "periodic_run") {
    auto registration = sample_registration(request.at("tag").as_string());
    registration["running"] = true;
    return Answer::send(ok_reply(request, {{"registration", registration}}) + after_run_);
  }
  if (op == "cache_get") {
    if (cached_.empty()) {
      return Answer::send(error_reply(request, "not_found", "nothing cached yet for \"news\""));
    }
    return Answer::send(ok_reply(request, cached_));
  }
  return Answer::send(error_reply(request, "unknown_op", "unknown op " + op));
}

}  // namespace bgsync::test
