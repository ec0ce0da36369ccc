// libbgsync's periodic-sync calls against the scripted fake daemon, Client and AsyncClient alike:
// the requests exactly as PERIODIC.md spells them, replies decoded, local validation before sending,
// daemon errors and malformed replies mapped, and `periodic` events decoded.

#include "bgsync/async_client.hpp"
#include "bgsync/client.hpp"
#include "tests/client/fake_server.hpp"
#include "tests/support/catch_result.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using bgsync::client_errc;
using bgsync::errc;
using bgsync::test::Answer;
using bgsync::test::FakeServer;
using bgsync::test::ok_reply;
using bgsync::test::op_of;
using bgsync::test::RequestRecorder;

bgsync::ConnectOptions options_for(const std::string& path) {
  bgsync::ConnectOptions options;
  options.socket_path = path;
  options.timeout = std::chrono::seconds(5);
  return options;
}



// A registration as a daemon would send it after some runs: constraints, one unknown, validators.
json::object busy_registration() {
  auto registration = bgsync::test::sample_registration("news");
  registration["min_interval_ms"] = 60000;
  registration["network"] = "unmetered";
  registration["power"] = "not_on_battery";
  registration["last_run"] = "2026-11-24T20:20:00.500Z";
  registration["last_outcome"] = "failed";
  registration["last_status"] = 503;
  registration["last_error"] = "HTTP 503 Service Unavailable";
  registration["consecutive_failures"] = 2;
  registration["etag"] = "\"v7\"";
  registration["last_modified"] = "Tue, 24 Nov 2026 20:00:00 GMT";
  registration["cached"] = "2026-11-24T20:00:01.000Z";
  registration["running"] = true;
  registration["network_state"] = {{"satisfied", true}, {"reason", "unknown (no NetworkManager): treated as satisfied"}};
  registration["power_state"] = {{"satisfied", false}, {"reason", "on battery (UPower)"}};
  registration["waiting"] = "on battery (UPower)";
  return registration;
}

// The script of a daemon that knows the registration (test, news) and has its response cached.
FakeServer::Script periodic_daemon(RequestRecorder& recorder) {
  return FakeServer::with_hello([&recorder](const json::object& request) {
    recorder.add(request);
    const std::string op = op_of(request);
    const auto* tag = request.if_contains("tag");
    const bool known = tag != nullptr && tag->is_string() && tag->get_string() == "news";
    if (op == "periodic_register") {
      auto registration = bgsync::test::sample_registration(request.at("tag").as_string());
      registration["min_interval_ms"] = 60000;  // the floor
      return Answer::send(
          ok_reply(request, {{"registration", registration}, {"replaced", true}, {"requested_interval_ms", 1000}}));
    }
    if (op == "periodic_list") {
      return Answer::send(ok_reply(
          request, {{"registrations", json::array{busy_registration(), bgsync::test::sample_registration("weather")}}}));
    }
    const bool by_ref = op == "periodic_unregister" || op == "periodic_run" || op == "cache_get";
    if (by_ref && !known) {
      return Answer::send(bgsync::test::error_reply(request, "not_found", "no periodic registration \"x\""));
    }
    if (op == "periodic_unregister") return Answer::send(ok_reply(request));
    if (op == "periodic_run") return Answer::send(ok_reply(request, {{"registration", busy_registration()}}));
    if (op == "cache_get") {
      return Answer::send(ok_reply(request, {{"app", "test"},
                                             {"tag", "news"},
                                             {"status", 200},
                                             {"headers", json::array{json::array{"Content-Type", "image/png"}}},
                                             {"body_base64", "AP8KAA=="},  // 00 ff 0a 00
                                             {"fetched", "2026-11-24T20:00:01.000Z"},
                                             {"validated", nullptr}}));
    }
    return Answer::send(bgsync::test::error_reply(request, "unknown_op", "unknown op " + op));
  });
}

bgsync::PeriodicRegisterRequest news_request() {
  bgsync::PeriodicRegisterRequest request;
  request.app = "reader";
  request.tag = "news";
  request.min_interval = 90min;
  request.method = "POST";
  request.url = "https://example.com/news?since=1";
  request.headers = {{"Accept", "application/json"}, {"X-Two", "a: b"}};
  request.body = "q=1";
  request.network = bgsync::NetworkConstraint::unmetered;
  request.power = bgsync::PowerConstraint::not_low_battery;
  return request;
}

bgsync::TimePoint at(std::string_view text) { return *bgsync::proto::parse_time(text); }

// The async test's body: each call in turn on one connection, then close() so that io.run() returns.
asio::awaitable<void> async_scenario(asio::any_io_executor executor, std::string path, RequestRecorder& recorder) {
  auto connected = co_await bgsync::AsyncClient::connect(executor, options_for(path));
  REQUIRE(connected);
  auto& client = **connected;

  auto registered = co_await client.register_periodic(news_request());
  REQUIRE(registered);
  CHECK(registered->requested_interval == 1s);
  CHECK(recorder.last().at("min_interval_ms").to_number<std::int64_t>() == 5'400'000);

  auto invalid = news_request();
  invalid.url = "not a url";
  CHECK((co_await client.register_periodic(invalid)).error().code == errc::bad_url);

  bgsync::PeriodicListQuery query;
  query.app = "reader";
  auto list = co_await client.list_periodic(query);
  REQUIRE(list);
  CHECK(list->registrations.size() == 2);
  CHECK(recorder.last().at("app").as_string() == "reader");

  // Named arguments: g++ 12 destroys a temporary made inside a co_await expression twice.
  const bgsync::PeriodicRef news{"test", "news"};
  const bgsync::PeriodicRef gone{"test", "gone"};
  auto cached = co_await client.cache_get(news);
  REQUIRE(cached);
  CHECK(cached->body.size() == 4);
  CHECK((co_await client.unregister_periodic(news)));
  CHECK((co_await client.unregister_periodic(gone)).error().code == errc::not_found);

  bgsync::SubscribeArgs args;
  args.tag = "news";
  REQUIRE((co_await client.subscribe(args)));
  auto started = co_await client.run_periodic(news);
  REQUIRE(started);
  CHECK(started->running);

  auto first = co_await client.next_event();
  REQUIRE(first);
  CHECK(first->type == bgsync::EventType::periodic);
  CHECK(first->app == "other");
  auto second = co_await client.next_event();
  REQUIRE(second);
  CHECK(second->seq == 11);
  CHECK(second->app == "test");
  CHECK(second->tag == "news");
  CHECK(second->outcome == bgsync::PeriodicOutcome::updated);
  CHECK(second->status == 200);
  CHECK(second->duration == 152ms);
  CHECK(second->id == bgsync::ActionId{});
  client.close();
}

}  // namespace

TEST_CASE("register_periodic sends every field as PERIODIC.md spells it and decodes the result", "[client][periodic]") {
  RequestRecorder recorder;
  FakeServer server(periodic_daemon(recorder));
  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(client);

  auto result = client->register_periodic(news_request());
  REQUIRE(result);
  const auto request = recorder.last();
  CHECK(op_of(request) == "periodic_register");
  CHECK(request.at("app").as_string() == "reader");
  CHECK(request.at("tag").as_string() == "news");
  REQUIRE(request.at("min_interval_ms").is_number());
  CHECK(request.at("min_interval_ms").to_number<std::int64_t>() == 5'400'000);
  CHECK(request.at("method").as_string() == "POST");
  CHECK(request.at("url").as_string() == "https://example.com/news?since=1");
  CHECK(json::serialize(request.at("headers")) == R"([["Accept","application/json"],["X-Two","a: b"]])");
  CHECK(request.at("body").as_string() == "q=1");
  CHECK(request.at("network").as_string() == "unmetered");
  CHECK(request.at("power").as_string() == "not_low_battery");
  CHECK(request.at("id").is_number());

  CHECK(result->replaced);
  CHECK(result->requested_interval == 1s);
  CHECK(result->registration.min_interval == 1min);
  CHECK(result->registration.tag == "news");
  CHECK(result->registration.app == "test");
}

TEST_CASE("register_periodic refuses an invalid request without sending it", "[client][periodic]") {
  RequestRecorder recorder;
  FakeServer server(periodic_daemon(recorder));
  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(client);

  auto bad_url = news_request();
  bad_url.url = "ftp://example.com/";
  CHECK(client->register_periodic(bad_url).error().code == errc::bad_url);
  auto no_tag = news_request();
  no_tag.tag.clear();
  CHECK(client->register_periodic(no_tag).error().code == errc::bad_field);
  auto no_interval = news_request();
  no_interval.min_interval = 0ms;
  CHECK(client->register_periodic(no_interval).error().code == errc::bad_field);
  auto owned_header = news_request();
  owned_header.headers.push_back({"Host", "evil.example"});
  CHECK(client->register_periodic(owned_header).error().code == errc::bad_header);
  CHECK(recorder.requests().empty());
  CHECK(client->status().error().code == errc::unknown_op);  // the connection is still good
}

TEST_CASE("list_periodic: the app filter, and every registration field decoded", "[client][periodic]") {
  RequestRecorder recorder;
  FakeServer server(periodic_daemon(recorder));
  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(client);

  auto all = client->list_periodic();
  REQUIRE(all);
  auto everything = recorder.last();
  CHECK(op_of(everything) == "periodic_list");
  CHECK((!everything.contains("app") || everything.at("app").is_null()));

  auto one_app = client->list_periodic(bgsync::PeriodicListQuery{"reader"});
  REQUIRE(one_app);
  CHECK(recorder.last().at("app").as_string() == "reader");
  auto default_app = client->list_periodic(bgsync::PeriodicListQuery{""});
  REQUIRE(default_app);
  CHECK(recorder.last().at("app").as_string() == "");

  REQUIRE(all->registrations.size() == 2);
  const auto& news = all->registrations[0];
  CHECK(news.app == "test");
  CHECK(news.tag == "news");
  CHECK(news.min_interval == 1min);
  CHECK(news.network == bgsync::NetworkConstraint::unmetered);
  CHECK(news.power == bgsync::PowerConstraint::not_on_battery);
  CHECK(news.last_run == at("2026-11-24T20:20:00.500Z"));
  CHECK(news.last_outcome == bgsync::PeriodicOutcome::failed);
  CHECK(news.last_status == 503);
  CHECK(news.last_error == "HTTP 503 Service Unavailable");
  CHECK(news.consecutive_failures == 2);
  CHECK(news.etag == "\"v7\"");
  CHECK(news.last_modified == "Tue, 24 Nov 2026 20:00:00 GMT");
  CHECK(news.cached == at("2026-11-24T20:00:01.000Z"));
  CHECK(news.running);
  CHECK(news.network_state.satisfied);
  CHECK_THAT(news.network_state.reason, Catch::Contains("treated as satisfied"));
  CHECK_FALSE(news.power_state.satisfied);
  CHECK(news.waiting == "on battery (UPower)");
  const auto& weather = all->registrations[1];
  CHECK(weather.tag == "weather");
  CHECK_FALSE(weather.last_run);
  CHECK_FALSE(weather.last_outcome);
  CHECK_FALSE(weather.cached);
  CHECK(weather.waiting.empty());
}

TEST_CASE("unregister, run and cache_get name the registration by tag and app", "[client][periodic]") {
  RequestRecorder recorder;
  FakeServer server(periodic_daemon(recorder));
  auto client = bgsync::Client::connect(options_for(server.path()));
  REQUIRE(client);

  SECTION("unregister: {} is success; not_found keeps the daemon's message") {
    REQUIRE(client->unregister_periodic({"reader", "news"}));
    const auto request = recorder.last();
    CHECK(op_of(request) == "periodic_unregister");
    CHECK(request.at("tag").as_string() == "news");
    CHECK(request.at("app").as_string() == "reader");
    auto missing = client->unregister_periodic({"reader", "x"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == errc::not_found);
    CHECK(missing.error().message == "no periodic registration \"x\"");
  }
  SECTION("run: the registration as the run starts") {
    auto registration = client->run_periodic({"", "news"});
    REQUIRE(registration);
    const auto request = recorder.last();
    CHECK(op_of(request) == "periodic_run");
    CHECK(request.at("tag").as_string() == "news");
    CHECK((!request.contains("app") || request.at("app").as_string() == ""));
    CHECK(registration->running);
    CHECK(client->run_periodic({"", "x"}).error().code == errc::not_found);
  }
  SECTION("cache_get: a binary body arrives byte for byte") {
    auto cached = client->cache_get({"test", "news"});
    REQUIRE(cached);
    CHECK(op_of(recorder.last()) == "cache_get");
    CHECK(recorder.last().at("app").as_string() == "test");
    CHECK(cached->app == "test");
    CHECK(cached->tag == "news");
    CHECK(cached->status == 200);
    CHECK(cached->headers == bgsync::Headers{{"Content-Type", "image/png"}});
    CHECK(cached->body == std::string("\x00\xff\n\x00", 4));
    CHECK(cached->fetched == at("2026-11-24T20:00:01.000Z"));
    CHECK_FALSE(cached->validated);
    CHECK(client->cache_get({"test", "x"}).error().code == errc::not_found);
  }
}

TEST_CASE("a malformed periodic reply is a protocol_error naming the operation", "[client][periodic]") {
  FakeServer server(FakeServer::with_hello([](const json::object& request) {
    if (op_of(request) == "periodic_run") return Answer::send(ok_reply(request, {{"registration", 7}}));
    if (op_of(request) == "periodic_list") {
      auto broken = bgsync::test::sample_registration("news");
      broken["network"] = "wifi";
      return Answer::send(ok_reply(request, {{"registrations", json::array{broken}}}));
    }
    return Answer::send(ok_reply(request, {{"app", "test"}, {"tag", "news"}}));  // cache_get without status
  }));
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto client = bgsync::Client::connect(options_for(server.path()));
    REQUIRE(client);
    bgsync::Error error;
    std::string op;
    if (attempt == 0) {
      op = "periodic_run";
      error = client->run_periodic({"", "news"}).error();
    } else if (attempt == 1) {
      op = "periodic_list";
      error = client->list_periodic().error();
    } else {
      op = "cache_get";
      error = client->cache_get({"", "news"}).error();
    }
    INFO(op << ": " << error.message);
    CHECK(error.code == client_errc::protocol_error);
    CHECK_THAT(error.message, Catch::Contains(op));
  }
}

TEST_CASE("async: the periodic calls, and a run's outcome as a periodic event", "[client][async][periodic]") {
  RequestRecorder recorder;
  const auto daemon = periodic_daemon(recorder);
  FakeServer server([&](const json::object& request) {
    if (op_of(request) == "subscribe") {
      recorder.add(request);
      return Answer::send(ok_reply(request, {{"subscription", 1}, {"last_seq", 9}, {"first_seq", 1}}));
    }
    auto answer = daemon(request);
    if (op_of(request) == "periodic_run" && answer.kind == Answer::Kind::send) {
      // The outcome follows the reply, after an event of another app's registration of that tag.
      auto other = bgsync::test::sample_periodic_event(10, "news");
      other["app"] = "other";
      auto ours = bgsync::test::sample_periodic_event(11, "news");
      answer.frames += json::serialize(json::object{{"event", other}, {"subscription", 1}}) + "\n" +
                       json::serialize(json::object{{"event", ours}, {"subscription", 1}}) + "\n";
    }
    return answer;
  });

  asio::io_context io;
  auto done = asio::co_spawn(io, async_scenario(io.get_executor(), server.path(), recorder), asio::use_future);
  io.run();
  done.get();
}
