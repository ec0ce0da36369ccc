// The C API's periodic sync (bgsync.h) against the scripted fake daemon of tests/client: the
// requests each call sends, the structs it returns (binary bodies with their length, times in ms,
// NULL for "none"), argument checks, error codes and messages, and periodic events. Linked to
// libbgsync.so as an app would be; the real-daemon checks are in capi_checks.c.

#include "bgsync/bgsync.h"
#include "tests/client/fake_server.hpp"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using bgsync::test::Answer;
using bgsync::test::FakeServer;
using bgsync::test::ok_reply;
using bgsync::test::op_of;
using bgsync::test::RequestRecorder;



FakeServer::Script periodic_daemon(RequestRecorder& recorder) {
  return FakeServer::with_hello([&recorder](const json::object& request) {
    recorder.add(request);
    const std::string op = op_of(request);
    const auto* tag = request.if_contains("tag");
    const bool known = tag != nullptr && tag->is_string() && tag->get_string() == "news";
    auto registration = bgsync::test::sample_registration("news");
    registration["app"] = "reader";
    registration["min_interval_ms"] = 60000;
    registration["network"] = "unmetered";
    registration["power"] = "not_low_battery";
    registration["last_outcome"] = "not_modified";
    registration["last_status"] = 304;
    registration["last_run"] = "1970-01-01T00:00:01.000Z";
    registration["etag"] = "\"v2\"";
    registration["cached"] = "1970-01-01T00:00:02.000Z";
    registration["network_state"] = {{"satisfied", true}, {"reason", "unknown (no NetworkManager): treated as satisfied"}};
    registration["power_state"] = {{"satisfied", false}, {"reason", "battery low (UPower)"}};
    registration["waiting"] = "battery low (UPower)";
    if (op == "periodic_register") {
      return Answer::send(
          ok_reply(request, {{"registration", registration}, {"replaced", true}, {"requested_interval_ms", 1000}}));
    }
    if (op == "periodic_list") {
      return Answer::send(
          ok_reply(request, {{"registrations", json::array{registration, bgsync::test::sample_registration("weather")}}}));
    }
    if (op == "status") return Answer::close();
    if (!known) return Answer::send(bgsync::test::error_reply(request, "not_found", "no periodic registration \"gone\""));
    if (op == "periodic_unregister") return Answer::send(ok_reply(request));
    if (op == "periodic_run") {
      registration["running"] = true;
      return Answer::send(ok_reply(request, {{"registration", registration}}));
    }
    if (op == "cache_get") {
      return Answer::send(ok_reply(request, {{"app", "reader"},
                                             {"tag", "news"},
                                             {"status", 200},
                                             {"headers", json::array{json::array{"ETag", "\"v2\""}}},
                                             {"body_base64", "AGEA/w=="},  // 00 'a' 00 ff
                                             {"fetched", "1970-01-01T00:00:02.000Z"},
                                             {"validated", nullptr}}));
    }
    if (op == "subscribe") {
      auto event = bgsync::test::sample_periodic_event(5, "news");
      return Answer::send(ok_reply(request, {{"subscription", 1}, {"last_seq", 4}, {"first_seq", 1}}) +
                          json::serialize(json::object{{"event", event}, {"subscription", 1}}) + "\n");
    }
    return Answer::send(bgsync::test::error_reply(request, "unknown_op", "unknown op " + op));
  });
}

struct Connected {
  RequestRecorder recorder;
  FakeServer server{periodic_daemon(recorder)};
  bgsync_client* client = nullptr;

  Connected() { REQUIRE(bgsync_connect(server.path().c_str(), "capi-test", 5000, &client) == BGSYNC_OK); }
  ~Connected() { bgsync_close(client); }
};

}  // namespace

TEST_CASE("C API: names of constraints, outcomes and the periodic event type", "[capi][periodic]") {
  CHECK(std::strcmp(bgsync_network_name(BGSYNC_NETWORK_UNMETERED), "unmetered") == 0);
  CHECK(std::strcmp(bgsync_network_name(2), "unknown") == 0);
  CHECK(std::strcmp(bgsync_power_name(BGSYNC_POWER_NOT_ON_BATTERY), "not_on_battery") == 0);
  CHECK(std::strcmp(bgsync_power_name(BGSYNC_POWER_NOT_LOW_BATTERY), "not_low_battery") == 0);
  CHECK(std::strcmp(bgsync_power_name(-1), "unknown") == 0);
  CHECK(std::strcmp(bgsync_outcome_name(BGSYNC_OUTCOME_NOT_MODIFIED), "not_modified") == 0);
  CHECK(std::strcmp(bgsync_outcome_name(BGSYNC_OUTCOME_NONE), "none") == 0);
  CHECK(std::strcmp(bgsync_outcome_name(3), "unknown") == 0);
  CHECK(std::strcmp(bgsync_event_type_name(BGSYNC_EVENT_PERIODIC), "periodic") == 0);
  CHECK(std::strcmp(bgsync_event_type_name(BGSYNC_EVENT_REJECTED + 1), "unknown") == 0);
}

TEST_CASE("C API: bgsync_periodic_register sends the request and returns the registration", "[capi][periodic]") {
  Connected c;
  const char* names[] = {"Accept", "X-Bin"};
  const char* values[] = {"application/json", "1"};
  const char body[] = {'a', '\0', '\xff'};
  int replaced = -1;
  bgsync_periodic* registration = nullptr;
  REQUIRE(bgsync_periodic_register(c.client, "reader", "news", 90 * 60 * 1000, "POST", "https://example.com/n", names,
                                   values, 2, body, sizeof body, BGSYNC_NETWORK_UNMETERED, BGSYNC_POWER_NOT_LOW_BATTERY,
                                   &replaced, &registration) == BGSYNC_OK);
  const auto request = c.recorder.last();
  CHECK(op_of(request) == "periodic_register");
  CHECK(request.at("app").as_string() == "reader");
  CHECK(request.at("tag").as_string() == "news");
  CHECK(request.at("min_interval_ms").to_number<std::int64_t>() == 5'400'000);
  CHECK(request.at("method").as_string() == "POST");
  CHECK(request.at("url").as_string() == "https://example.com/n");
  CHECK(json::serialize(request.at("headers")) == R"([["Accept","application/json"],["X-Bin","1"]])");
  CHECK(request.at("body_base64").as_string() == "YQD/");  // not UTF-8: base64
  CHECK(request.at("network").as_string() == "unmetered");
  CHECK(request.at("power").as_string() == "not_low_battery");

  CHECK(replaced == 1);
  REQUIRE(registration != nullptr);
  CHECK(std::string(registration->app) == "reader");
  CHECK(std::string(registration->tag) == "news");
  CHECK(registration->min_interval_ms == 60000);
  CHECK(std::string(registration->method) == "GET");
  CHECK(registration->header_count == 0);
  CHECK(registration->body_len == 0);
  CHECK(registration->network == BGSYNC_NETWORK_UNMETERED);
  CHECK(registration->power == BGSYNC_POWER_NOT_LOW_BATTERY);
  CHECK(registration->last_run_ms == 1000);
  CHECK(registration->last_outcome == BGSYNC_OUTCOME_NOT_MODIFIED);
  CHECK(registration->last_status == 304);
  CHECK(registration->last_error == nullptr);
  CHECK(std::string(registration->etag) == "\"v2\"");
  CHECK(registration->last_modified == nullptr);
  CHECK(registration->cached_ms == 2000);
  CHECK(registration->running == 0);
  CHECK(registration->network_satisfied == 1);
  CHECK_THAT(registration->network_reason, Catch::Contains("treated as satisfied"));
  CHECK(registration->power_satisfied == 0);
  CHECK(std::string(registration->waiting) == "battery low (UPower)");
  bgsync_periodic_free(registration);

  // Optional outputs may be NULL; method NULL is GET; app NULL is the default app.
  REQUIRE(bgsync_periodic_register(c.client, nullptr, "news", 60000, nullptr, "https://example.com/", nullptr, nullptr, 0,
                                   nullptr, 0, BGSYNC_NETWORK_ANY, BGSYNC_POWER_ANY, nullptr, nullptr) == BGSYNC_OK);
  CHECK(c.recorder.last().at("method").as_string() == "GET");
  CHECK((!c.recorder.last().contains("app") || c.recorder.last().at("app").as_string() == ""));
}

TEST_CASE("C API: bgsync_periodic_register checks its arguments before sending", "[capi][periodic]") {
  Connected c;
  bgsync_periodic* out = reinterpret_cast<bgsync_periodic*>(1);
  const auto register_with = [&](const char* tag, int64_t interval, const char* url, int network, int power) {
    return bgsync_periodic_register(c.client, nullptr, tag, interval, nullptr, url, nullptr, nullptr, 0, nullptr, 0,
                                    network, power, nullptr, &out);
  };
  CHECK(register_with(nullptr, 60000, "https://example.com/", 0, 0) == BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(out == nullptr);
  CHECK(register_with("news", 60000, nullptr, 0, 0) == BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(register_with("news", 60000, "https://example.com/", 7, 0) == BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK_THAT(bgsync_last_error_message(c.client), Catch::Contains("bgsync_network_constraint"));
  CHECK(register_with("news", 60000, "https://example.com/", 0, 3) == BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(register_with("news", 0, "https://example.com/", 0, 0) == BGSYNC_ERR_BAD_FIELD);
  CHECK(register_with("", 60000, "https://example.com/", 0, 0) == BGSYNC_ERR_BAD_FIELD);
  CHECK(register_with("news", 60000, "ftp://example.com/", 0, 0) == BGSYNC_ERR_BAD_URL);
  CHECK_THAT(bgsync_last_error_message(c.client), Catch::Contains("ftp://example.com/"));
  CHECK(bgsync_periodic_register(c.client, nullptr, "news", 60000, nullptr, "https://example.com/", nullptr, nullptr, 1,
                                 nullptr, 0, 0, 0, nullptr, nullptr) == BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(bgsync_periodic_register(nullptr, nullptr, "news", 60000, nullptr, "https://example.com/", nullptr, nullptr, 0,
                                 nullptr, 0, 0, 0, nullptr, nullptr) == BGSYNC_ERR_INVALID_ARGUMENT);
  CHECK(c.recorder.requests().empty());
}

TEST_CASE("C API: list, unregister, run and the cache", "[capi][periodic]") {
  Connected c;
  SECTION("list: every app, or one") {
    bgsync_periodic_list* list = nullptr;
    REQUIRE(bgsync_list_periodic(c.client, nullptr, &list) == BGSYNC_OK);
    CHECK((!c.recorder.last().contains("app") || c.recorder.last().at("app").is_null()));
    REQUIRE(list->count == 2);
    CHECK(std::string(list->registrations[0].tag) == "news");
    CHECK(std::string(list->registrations[1].tag) == "weather");
    CHECK(list->registrations[1].last_outcome == BGSYNC_OUTCOME_NONE);
    CHECK(list->registrations[1].last_run_ms == 0);
    CHECK(list->registrations[1].waiting == nullptr);
    CHECK(list->registrations[1].etag == nullptr);
    bgsync_periodic_list_free(list);
    REQUIRE(bgsync_list_periodic(c.client, "reader", &list) == BGSYNC_OK);
    CHECK(c.recorder.last().at("app").as_string() == "reader");
    bgsync_periodic_list_free(list);
    CHECK(bgsync_list_periodic(c.client, nullptr, nullptr) == BGSYNC_ERR_INVALID_ARGUMENT);
  }
  SECTION("unregister, and not_found with the daemon's message") {
    CHECK(bgsync_periodic_unregister(c.client, "reader", "news") == BGSYNC_OK);
    CHECK(op_of(c.recorder.last()) == "periodic_unregister");
    CHECK(c.recorder.last().at("app").as_string() == "reader");
    CHECK(bgsync_periodic_unregister(c.client, "reader", "gone") == BGSYNC_ERR_NOT_FOUND);
    CHECK(std::string(bgsync_last_error_message(c.client)) == "no periodic registration \"gone\"");
    CHECK(bgsync_periodic_unregister(c.client, "reader", nullptr) == BGSYNC_ERR_INVALID_ARGUMENT);
  }
  SECTION("run") {
    bgsync_periodic* registration = nullptr;
    REQUIRE(bgsync_periodic_run(c.client, "reader", "news", &registration) == BGSYNC_OK);
    CHECK(op_of(c.recorder.last()) == "periodic_run");
    CHECK(registration->running == 1);
    bgsync_periodic_free(registration);
    CHECK(bgsync_periodic_run(c.client, "reader", "news", nullptr) == BGSYNC_OK);
    CHECK(bgsync_periodic_run(c.client, "reader", "gone", &registration) == BGSYNC_ERR_NOT_FOUND);
    CHECK(registration == nullptr);
  }
  SECTION("cache_get: binary body with its length; 0 for no validation") {
    bgsync_cached_response* cached = nullptr;
    REQUIRE(bgsync_cache_get(c.client, "reader", "news", &cached) == BGSYNC_OK);
    CHECK(op_of(c.recorder.last()) == "cache_get");
    CHECK(std::string(cached->app) == "reader");
    CHECK(std::string(cached->tag) == "news");
    CHECK(cached->status == 200);
    REQUIRE(cached->header_count == 1);
    CHECK(std::string(cached->headers[0].name) == "ETag");
    CHECK(std::string(cached->headers[0].value) == "\"v2\"");
    CHECK(std::string(cached->body, cached->body_len) == std::string("\0a\0\xff", 4));
    CHECK(cached->body[cached->body_len] == '\0');
    CHECK(cached->fetched_ms == 2000);
    CHECK(cached->validated_ms == 0);
    bgsync_cached_response_free(cached);
    CHECK(bgsync_cache_get(c.client, "reader", "gone", &cached) == BGSYNC_ERR_NOT_FOUND);
    CHECK(cached == nullptr);
    CHECK(bgsync_cache_get(c.client, "reader", "news", nullptr) == BGSYNC_ERR_INVALID_ARGUMENT);
    bgsync_cached_response_free(nullptr);
    bgsync_periodic_free(nullptr);
    bgsync_periodic_list_free(nullptr);
  }
}

TEST_CASE("C API: a periodic event carries its outcome and duration", "[capi][periodic]") {
  Connected c;
  // The fake serves one connection at a time: end the client's (the fake closes it on status) so
  // that the subscription's own connection is served.
  CHECK(bgsync_get_status(c.client, nullptr) == BGSYNC_ERR_INVALID_ARGUMENT);
  bgsync_status* status = nullptr;
  CHECK(bgsync_get_status(c.client, &status) == BGSYNC_ERR_CONNECTION_LOST);

  bgsync_subscription* subscription = nullptr;
  REQUIRE(bgsync_subscribe(c.client, "news", BGSYNC_SINCE_NOW, &subscription) == BGSYNC_OK);
  bgsync_event* event = nullptr;
  REQUIRE(bgsync_next_event(subscription, 5000, &event) == BGSYNC_OK);
  CHECK(event->type == BGSYNC_EVENT_PERIODIC);
  CHECK(std::string(event->tag) == "news");
  CHECK(std::string(event->app) == "test");
  CHECK(std::string(event->id) == "00000000-0000-0000-0000-000000000000");
  CHECK(event->outcome == BGSYNC_OUTCOME_UPDATED);
  CHECK(event->duration_ms == 152);
  CHECK(event->status == 200);
  CHECK(event->online == -1);
  bgsync_event_free(event);
  bgsync_subscription_close(subscription);
}
