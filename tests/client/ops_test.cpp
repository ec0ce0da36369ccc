// Every op of libbgsync through both clients against a fake daemon that answers with an empty ok
// reply: what goes on the wire and what each client makes of that reply are pinned here, op by op,
// and must be the same for Client and AsyncClient (both call the op descriptors of ops.hpp).

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
#include <functional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using bgsync::test::Answer;
using bgsync::test::FakeServer;
using bgsync::test::RequestRecorder;

const bgsync::ActionId some_id = *bgsync::ActionId::parse("0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a");

bgsync::EnqueueRequest enqueue_request(std::string url = "https://example.com/a") {
  bgsync::EnqueueRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers = {{"Content-Type", "text/plain"}};
  request.body = "hi";
  request.tag = "t";
  request.app = "a";
  return request;
}

bgsync::ListQuery list_query() {
  bgsync::ListQuery query;
  query.tag = "t";
  query.state = bgsync::ActionState::failed;
  query.limit = 5;
  query.after = some_id;
  return query;
}

bgsync::PeriodicRegisterRequest register_request(std::chrono::milliseconds interval = std::chrono::minutes(15)) {
  bgsync::PeriodicRegisterRequest request;
  request.app = "a";
  request.tag = "news";
  request.min_interval = interval;
  request.url = "https://example.com/news";
  request.network = bgsync::NetworkConstraint::unmetered;
  return request;
}

const bgsync::PeriodicRef news{"a", "news"};

template <class T>
std::string said(const bgsync::Result<T>& result) {
  return result ? std::string("ok") : result.error().message;
}

// One call: through Client (when it has the op) and through AsyncClient (likewise), with what the
// daemon must receive (the request without its id; empty: nothing sent) and what the call returns.
struct Case {
  std::string_view name;
  std::function<std::string(bgsync::Client&)> sync;
  std::function<asio::awaitable<std::string>(bgsync::AsyncClient&)> async;
  std::string_view request;
  std::string_view result;
};

// The arguments are named values, never temporaries in the co_await (see async_client.hpp on g++ 12).
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"enqueue", [](bgsync::Client& c) { return said(c.enqueue(enqueue_request())); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         auto request = enqueue_request();
         co_return said(co_await c.enqueue(request));
       },
       R"({"op":"enqueue","method":"POST","url":"https://example.com/a","headers":[["Content-Type","text/plain"]],"body":"hi","tag":"t","app":"a","brief":true})",
       "bgsyncd sent a malformed reply to enqueue: missing field \"action_id\""},
      {"enqueue, invalid", [](bgsync::Client& c) { return said(c.enqueue(enqueue_request("ftp://x"))); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         auto request = enqueue_request("ftp://x");
         co_return said(co_await c.enqueue(request));
       },
       "", R"(bad URL "ftp://x": scheme must be http or https)"},
      {"get", [](bgsync::Client& c) { return said(c.get(some_id)); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.get(some_id)); },
       R"({"op":"get","action":"0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"})",
       "bgsyncd sent a malformed reply to get: \"action\" is missing or not an object"},
      {"list", [](bgsync::Client& c) { return said(c.list(list_query())); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         auto query = list_query();
         co_return said(co_await c.list(query));
       },
       R"({"op":"list","tag":"t","state":"failed","limit":5,"after":"0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"})",
       "bgsyncd sent a malformed reply to list: missing field \"actions\""},
      {"cancel", [](bgsync::Client& c) { return said(c.cancel(some_id)); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.cancel(some_id)); },
       R"({"op":"cancel","action":"0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"})",
       "bgsyncd sent a malformed reply to cancel: \"cancelled\" is missing or not an array"},
      {"cancel_tag", [](bgsync::Client& c) { return said(c.cancel_tag("t")); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         std::string tag = "t";
         co_return said(co_await c.cancel_tag(tag));
       },
       R"({"op":"cancel","tag":"t"})",
       "bgsyncd sent a malformed reply to cancel: \"cancelled\" is missing or not an array"},
      {"retry", [](bgsync::Client& c) { return said(c.retry(some_id)); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.retry(some_id)); },
       R"({"op":"retry","action":"0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a"})",
       "bgsyncd sent a malformed reply to retry: \"action\" is missing or not an object"},
      {"status", [](bgsync::Client& c) { return said(c.status()); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.status()); },
       R"({"op":"status"})", "bgsyncd sent a malformed reply to status: missing field \"online\""},
      {"pause", [](bgsync::Client& c) { return said(c.pause()); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.pause()); },
       R"({"op":"pause"})", "bgsyncd sent a malformed reply to pause: \"paused\" is missing or not a boolean"},
      {"resume", [](bgsync::Client& c) { return said(c.resume()); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.resume()); },
       R"({"op":"resume"})", "bgsyncd sent a malformed reply to resume: \"paused\" is missing or not a boolean"},
      {"config", [](bgsync::Client& c) { return said(c.config()); }, nullptr, R"({"op":"config"})",
       "bgsyncd sent a malformed reply to config: missing field \"socket\""},
      {"reload", [](bgsync::Client& c) { return said(c.reload()); }, nullptr, R"({"op":"reload"})",
       "bgsyncd sent a malformed reply to reload: missing field \"changed\""},
      {"subscribe", nullptr,
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         bgsync::SubscribeArgs args;
         args.tag = "t";
         args.since = 7;
         co_return said(co_await c.subscribe(args));
       },
       R"({"op":"subscribe","tag":"t","since":7})",
       "bgsyncd sent a malformed reply to subscribe: missing field \"subscription\""},
      {"unsubscribe", nullptr,
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.unsubscribe(3)); },
       R"({"op":"unsubscribe","subscription":3})", "ok"},
      {"register_periodic", [](bgsync::Client& c) { return said(c.register_periodic(register_request())); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         auto request = register_request();
         co_return said(co_await c.register_periodic(request));
       },
       R"({"op":"periodic_register","tag":"news","app":"a","min_interval_ms":900000,"method":"GET","url":"https://example.com/news","network":"unmetered","power":"any"})",
       "bgsyncd sent a malformed reply to periodic_register: missing field \"registration\""},
      {"register_periodic, invalid",
       [](bgsync::Client& c) { return said(c.register_periodic(register_request(std::chrono::milliseconds(0)))); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         auto request = register_request(std::chrono::milliseconds(0));
         co_return said(co_await c.register_periodic(request));
       },
       "", R"(field "min_interval_ms" must be 1..315360000000 milliseconds (10 years), not 0)"},
      {"list_periodic",
       [](bgsync::Client& c) { return said(c.list_periodic(bgsync::PeriodicListQuery{std::string("a")})); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> {
         const bgsync::PeriodicListQuery query{std::string("a")};
         co_return said(co_await c.list_periodic(query));
       },
       R"({"op":"periodic_list","app":"a"})",
       "bgsyncd sent a malformed reply to periodic_list: missing field \"registrations\""},
      {"unregister_periodic", [](bgsync::Client& c) { return said(c.unregister_periodic(news)); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.unregister_periodic(news)); },
       R"({"op":"periodic_unregister","tag":"news","app":"a"})", "ok"},
      {"run_periodic", [](bgsync::Client& c) { return said(c.run_periodic(news)); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.run_periodic(news)); },
       R"({"op":"periodic_run","tag":"news","app":"a"})",
       "bgsyncd sent a malformed reply to periodic_run: \"registration\" is missing or not an object"},
      {"cache_get", [](bgsync::Client& c) { return said(c.cache_get(news)); },
       [](bgsync::AsyncClient& c) -> asio::awaitable<std::string> { co_return said(co_await c.cache_get(news)); },
       R"({"op":"cache_get","tag":"news","app":"a"})",
       "bgsyncd sent a malformed reply to cache_get: missing field \"tag\""},
  };
  return all;
}

// The request a call sent, without its id; "" when it sent none.
std::string sent_since(const RequestRecorder& recorder, std::size_t before) {
  const auto requests = recorder.requests();
  if (requests.size() == before) return "";
  REQUIRE(requests.size() == before + 1);
  json::object request;  // in the order sent, without "id" (object::erase would move the last key)
  for (const auto& field : requests.back()) {
    if (field.key() != "id") request.emplace(field.key(), field.value());
  }
  return json::serialize(request);
}

FakeServer empty_replies(RequestRecorder& recorder) {
  return FakeServer(FakeServer::with_hello([&recorder](const json::object& request) {
    recorder.add(request);
    return Answer::send(bgsync::test::ok_reply(request));
  }));
}

bgsync::ConnectOptions options_for(const FakeServer& server) {
  bgsync::ConnectOptions options;
  options.socket_path = server.path();
  options.timeout = std::chrono::seconds(5);
  return options;
}

}  // namespace

TEST_CASE("Client: every op's request and its reading of an empty reply", "[client][ops]") {
  RequestRecorder recorder;
  const auto server = empty_replies(recorder);
  auto client = bgsync::Client::connect(options_for(server));
  REQUIRE(client);
  for (const auto& c : cases()) {
    if (!c.sync) continue;
    INFO(c.name);
    const auto before = recorder.requests().size();
    CHECK(c.sync(*client) == c.result);
    CHECK(sent_since(recorder, before) == c.request);
  }
}

TEST_CASE("AsyncClient: every op's request and its reading of an empty reply", "[client][async][ops]") {
  RequestRecorder recorder;
  const auto server = empty_replies(recorder);
  asio::io_context io;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto client = co_await bgsync::AsyncClient::connect(io.get_executor(), options_for(server));
        REQUIRE(client);
        for (const auto& c : cases()) {
          if (!c.async) continue;
          INFO(c.name);
          const auto before = recorder.requests().size();
          const auto result = co_await c.async(**client);
          CHECK(result == c.result);
          CHECK(sent_since(recorder, before) == c.request);
        }
      },
      asio::use_future);
  io.run();
  done.get();
}
