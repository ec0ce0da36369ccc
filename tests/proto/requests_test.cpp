// Per-op request arguments: what the client builders write, the daemon parsers read back, and
// every argument error the parsers report (missing, wrong type, out of range, both/neither).
#include "bgsync/proto/codec.hpp"
#include "tests/proto/proto_test_util.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <string>

namespace json = boost::json;
using namespace bgsync::proto;
using namespace bgsync::proto::test;

namespace {

const std::string some_id = "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f";

}  // namespace

TEST_CASE("hello: the builder and the parser agree", "[requests]") {
  const json::object hello = through_the_wire(make_hello(1, "syncctl"));
  CHECK(hello.at("op") == "hello");
  CHECK(hello.at("client") == "syncctl");
  CHECK(parse_hello(hello).value() == protocol_version);
  CHECK(parse_hello(object_of(R"({"op":"hello","version":7})")).value() == 7);  // the daemon decides
  CHECK(failure(parse_hello(object_of(R"({"op":"hello"})"))) ==
        std::pair{errc::missing_field, std::string("missing field \"version\"")});
  CHECK(failure(parse_hello(object_of(R"({"op":"hello","version":"1"})"))).first == errc::bad_field);
  CHECK(failure(parse_hello(object_of(R"({"op":"hello","version":1.5})"))).first == errc::bad_field);
  CHECK(failure(parse_hello(object_of(R"({"op":"hello","version":1,"client":3})"))).first == errc::bad_field);
  CHECK_FALSE(make_hello(1, "").contains("client"));
}

TEST_CASE("enqueue: the builder and the parser agree", "[requests]") {
  EnqueueRequest request;
  request.method = "PUT";
  request.url = "https://example.com/a?b=c";
  request.headers = {{"X-Dup", "1"}, {"Content-Type", "text/plain"}, {"X-Dup", "2"}};
  request.body = "caf\xc3\xa9";
  request.tag = "cart";
  request.app = "shop";
  const json::object message = through_the_wire(make_enqueue(11, request));
  CHECK(message.at("body") == "caf\xc3\xa9");
  auto parsed = parse_enqueue(message);
  REQUIRE(parsed);
  CHECK(parsed->method == request.method);
  CHECK(parsed->url == request.url);
  CHECK(parsed->headers == request.headers);
  CHECK(parsed->body == request.body);
  CHECK(parsed->tag == "cart");
  CHECK(parsed->app == "shop");

  request.body = std::string("\0\x80\xff", 3);
  const json::object binary = through_the_wire(make_enqueue(12, request));
  CHECK(binary.at("body_base64") == "AID/");
  CHECK(parse_enqueue(binary)->body == request.body);
}

TEST_CASE("enqueue: the builder asks for the brief reply, which the parser reads apart", "[requests]") {
  EnqueueRequest request;
  request.method = "POST";
  request.url = "http://localhost/x";
  const json::object message = through_the_wire(make_enqueue(3, request));
  CHECK(message.at("brief") == true);
  CHECK(parse_enqueue_brief(message).value());
  CHECK(parse_enqueue(message));
  CHECK_FALSE(parse_enqueue_brief(object_of(R"({"op":"enqueue","url":"http://x/"})")).value());
  CHECK_FALSE(parse_enqueue_brief(object_of(R"({"op":"enqueue","url":"http://x/","brief":null})")).value());
  CHECK_FALSE(parse_enqueue_brief(object_of(R"({"op":"enqueue","url":"http://x/","brief":false})")).value());
  const auto [code, text] = failure(parse_enqueue_brief(object_of(R"({"op":"enqueue","url":"http://x/","brief":1})")));
  CHECK(code == errc::bad_field);
  CHECK_THAT(text, Catch::Contains("field \"brief\""));
}

TEST_CASE("enqueue: defaults and nulls", "[requests]") {
  auto minimal = parse_enqueue(object_of(R"({"op":"enqueue","url":"http://localhost:8080/x"})"));
  REQUIRE(minimal);
  CHECK(minimal->method == "GET");
  CHECK(minimal->headers.empty());
  CHECK(minimal->body.empty());
  CHECK(minimal->tag.empty());
  auto nulls = parse_enqueue(object_of(
      R"({"op":"enqueue","url":"http://localhost/","method":null,"headers":null,"body":null,"tag":null,"app":null})"));
  REQUIRE(nulls);
  CHECK(nulls->method == "GET");
}

TEST_CASE("enqueue: every bad argument is named", "[requests]") {
  const auto check = [](std::string_view text, errc code, std::string_view message_part) {
    INFO(text);
    const auto [got, message] = failure(parse_enqueue(object_of(text)));
    CHECK(got == code);
    CHECK_THAT(message, Catch::Contains(std::string(message_part)));
  };
  check(R"({"op":"enqueue"})", errc::missing_field, "missing field \"url\"");
  check(R"({"op":"enqueue","url":5})", errc::bad_field, "field \"url\" must be a string");
  check(R"({"op":"enqueue","url":"ftp://x"})", errc::bad_url, "bad URL \"ftp://x\": scheme must be http or https");
  check(R"({"op":"enqueue","url":"/relative"})", errc::bad_url, "not an absolute URL");
  check(R"({"op":"enqueue","url":"http://x/a b"})", errc::bad_url, "space");
  check(R"({"op":"enqueue","url":"http://x/\r\nHost: y"})", errc::bad_url, "CR");
  check(R"({"op":"enqueue","url":"http://x/","method":"GE T"})", errc::bad_method, "bad method \"GE T\"");
  check(R"({"op":"enqueue","url":"http://x/","method":""})", errc::bad_method, "empty");
  check(R"({"op":"enqueue","url":"http://x/","method":["GET"]})", errc::bad_field, "field \"method\"");
  check(R"({"op":"enqueue","url":"http://x/","headers":{"A":"b"}})", errc::bad_field, "field \"headers\" must be an array");
  check(R"({"op":"enqueue","url":"http://x/","headers":[["A",1]]})", errc::bad_field, "element 0");
  check(R"({"op":"enqueue","url":"http://x/","headers":[["A","b","c"]]})", errc::bad_field, "element 0");
  check(R"({"op":"enqueue","url":"http://x/","headers":[["X-A","1\r\nInjected: yes"]]})", errc::bad_header, "CR");
  check(R"({"op":"enqueue","url":"http://x/","headers":[["host","evil"]]})", errc::bad_header, "set by bgsyncd");
  check(R"({"op":"enqueue","url":"http://x/","body":"a","body_base64":"YQ=="})", errc::bad_field, "not both");
  check(R"({"op":"enqueue","url":"http://x/","body_base64":"Y Q=="})", errc::bad_field, "base64");
  check(R"({"op":"enqueue","url":"http://x/","tag":7})", errc::bad_field, "field \"tag\" must be a string");
  check(R"({"op":"enqueue","url":"http://x/","tag":"a\u0001b"})", errc::bad_field, "tag \"a\\x01b\" contains a control character 0x01");
  check(R"({"op":"enqueue","url":"http://x/","app":"line\nbreak"})", errc::bad_field, "app \"line\\nbreak\" contains a LF");
}

TEST_CASE("enqueue: the policy fields travel and are checked", "[requests][policy]") {
  EnqueueRequest request;
  request.url = "https://example.com/note";
  request.ttl = std::chrono::hours(1);
  request.policy.max_attempts = 5;
  request.policy.backoff = Backoff{std::chrono::seconds(2), std::chrono::minutes(1), BackoffKind::linear};
  request.policy.not_before = TimePoint{std::chrono::milliseconds(1'795'000'000'000)};
  request.policy.collapse_key = "note-7";
  request.policy.on_failure = OnFailure::continue_;
  request.policy.unordered = true;
  const json::object message = through_the_wire(make_enqueue(1, request));
  auto parsed = parse_enqueue(message);
  REQUIRE(parsed);
  CHECK(parsed->ttl == request.ttl);
  CHECK(parsed->policy == request.policy);
  // Only what was set goes on the wire: an older daemon then refuses nothing it need not know.
  EnqueueRequest plain;
  plain.url = "http://x/";
  CHECK_FALSE(through_the_wire(make_enqueue(2, plain)).contains("on_failure"));

  const auto check = [](std::string_view text, errc code, std::string_view message_part) {
    INFO(text);
    const auto [got, why] = failure(parse_enqueue(object_of(text)));
    CHECK(got == code);
    CHECK_THAT(why, Catch::Contains(std::string(message_part)));
  };
  check(R"({"op":"enqueue","url":"http://x/","ttl_ms":0})", errc::bad_field, "ttl_ms");
  check(R"({"op":"enqueue","url":"http://x/","ttl_ms":5,"expires_at":"2026-01-01T00:00:00Z"})", errc::bad_field,
        "not both");
  check(R"({"op":"enqueue","url":"http://x/","max_attempts":0})", errc::bad_field, "max_attempts");
  check(R"({"op":"enqueue","url":"http://x/","backoff":{"initial_ms":10,"max_ms":5}})", errc::bad_field,
        "backoff.max_ms");
  check(R"({"op":"enqueue","url":"http://x/","backoff":{"initial_ms":10,"max_ms":50,"kind":"cubic"}})",
        errc::bad_field, "exponential, linear");
  check(R"({"op":"enqueue","url":"http://x/","on_failure":"ignore"})", errc::bad_field, "block, continue");
  check(R"({"op":"enqueue","url":"http://x/","collapse_key":"a\u0001b"})", errc::bad_field, "collapse_key");
}

TEST_CASE("enqueue: a field the daemon does not know is refused by name", "[requests][policy]") {
  const auto [code, message] = failure(parse_enqueue(object_of(R"({"op":"enqueue","url":"http://x/","ttl":60})")));
  CHECK(code == errc::bad_field);
  CHECK_THAT(message, Catch::Contains("no field \"ttl\""));
  // Every field the builder can write is one the parser knows.
  EnqueueRequest everything;
  everything.url = "http://x/";
  everything.body = "b";
  everything.tag = "t";
  everything.app = "a";
  everything.ttl = std::chrono::seconds(1);
  everything.policy = ActionPolicy{std::nullopt, 3, Backoff{std::chrono::seconds(1), std::chrono::seconds(2), BackoffKind::exponential},
                                   TimePoint{}, "k", OnFailure::continue_, true};
  everything.headers = {{"A", "b"}};
  CHECK(parse_enqueue(through_the_wire(make_enqueue(1, everything))));
}

TEST_CASE("get and retry take an action id", "[requests]") {
  auto id = ActionId::parse(some_id).value();
  const json::object get = through_the_wire(make_action_request(2, Op::get, id));
  CHECK(get.at("op") == "get");
  CHECK(parse_action_ref(get).value() == id);
  CHECK(parse_action_ref(object_of(R"({"action":"01937A2E-5F00-7C3A-8D2B-0A1B2C3D4E5F"})")).value() == id);
  CHECK(failure(parse_action_ref(object_of(R"({"op":"get"})"))) ==
        std::pair{errc::missing_field, std::string("missing field \"action\"")});
  CHECK(failure(parse_action_ref(object_of(R"({"action":"not-an-id"})"))).first == errc::bad_field);
  CHECK(failure(parse_action_ref(object_of(R"({"action":12})"))).first == errc::bad_field);
}

TEST_CASE("an action may be named by a prefix of its id, with or without its dashes", "[requests]") {
  const auto id = ActionId::parse(some_id).value();
  for (const char* text : {"01937a2e", "01937a2e-", "01937a2e-5", "01937a2e-5f00", "01937a2e5f00", "01937A2E-5F00-7c",
                           "01937a2e5f007c3a8d2b0a1b2c3d4e5f", "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5"}) {
    INFO(text);
    const auto ref = ActionRef::parse(text);
    REQUIRE(ref);
    CHECK(ref->matches(id));
    CHECK_FALSE(ref->matches(ActionId::parse("01937a2f-5f00-7c3a-8d2b-0a1b2c3d4e5f").value()));
  }
  CHECK(ActionRef::parse("01937a2e-5")->digits == 9);
  CHECK_FALSE(ActionRef::parse("01937a2e-6")->matches(id));  // the odd digit counts
  CHECK(ActionRef::parse("01937a2e5f00")->to_string() == "01937a2e-5f00");
  CHECK(ActionRef::parse("01937a2e5f007")->to_string() == "01937a2e-5f00-7");
  CHECK(ActionRef::parse(some_id)->whole() == id);
  CHECK(ActionRef(id).to_string() == some_id);
  CHECK_FALSE(ActionRef::parse("01937a2e-5")->whole());
  for (const char* text : {"", "0193", "01937a2", "0193-7a2e", "01937a2e--5f", "01937a2e-5f0-0", "-01937a2e",
                           "01937a2g", "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f0", " 01937a2e"}) {
    INFO(text);
    CHECK_FALSE(ActionRef::parse(text));
  }

  const json::object get = through_the_wire(make_action_request(3, Op::get, *ActionRef::parse("01937a2e5f00")));
  CHECK(get.at("action") == "01937a2e-5f00");
  CHECK(parse_action_ref(get)->digits == 12);
  CHECK(failure(parse_action_ref(object_of(R"({"action":"0193"})"))).first == errc::bad_field);
  const auto cancel = parse_cancel(object_of(R"({"action":"01937a2e-5"})"));
  REQUIRE(cancel);
  CHECK(cancel->action->digits == 9);
}

TEST_CASE("list: arguments, defaults and limits", "[requests]") {
  ListQuery query;
  query.tag = "cart";
  query.state = ActionState::failed;
  query.app = "";
  query.limit = 1000;
  query.after = ActionId::parse(some_id);
  auto parsed = parse_list(through_the_wire(make_list(3, query)));
  REQUIRE(parsed);
  CHECK(parsed->tag == query.tag);
  CHECK(parsed->state == query.state);
  CHECK(parsed->app == std::optional<std::string>(""));
  CHECK(parsed->limit == 1000);
  CHECK(parsed->after == query.after);
  CHECK_FALSE(parsed->count);
  query.count = true;
  CHECK(parse_list(through_the_wire(make_list(4, query)))->count);
  CHECK(failure(parse_list(object_of(R"({"count":1})"))).first == errc::bad_field);

  auto defaults = parse_list(object_of(R"({"op":"list"})"));
  REQUIRE(defaults);
  CHECK(defaults->limit == 100);
  CHECK_FALSE(defaults->tag);
  CHECK_FALSE(defaults->state);
  CHECK_FALSE(defaults->after);

  const std::string limit_message = "field \"limit\" must be an integer 1..1000";
  CHECK(failure(parse_list(object_of(R"({"limit":0})"))) == std::pair{errc::bad_field, limit_message});
  CHECK(failure(parse_list(object_of(R"({"limit":1001})"))) == std::pair{errc::bad_field, limit_message});
  CHECK(failure(parse_list(object_of(R"({"limit":-5})"))) == std::pair{errc::bad_field, limit_message});
  CHECK(failure(parse_list(object_of(R"({"limit":2.5})"))) == std::pair{errc::bad_field, limit_message});
  CHECK(failure(parse_list(object_of(R"({"limit":"10"})"))) == std::pair{errc::bad_field, limit_message});
  CHECK(parse_list(object_of(R"({"limit":1})"))->limit == 1);
  CHECK(failure(parse_list(object_of(R"({"state":"done"})"))).first == errc::bad_field);
  CHECK(failure(parse_list(object_of(R"({"after":"x"})"))).first == errc::bad_field);
  CHECK(failure(parse_list(object_of(R"({"tag":false})"))).first == errc::bad_field);
}

TEST_CASE("cancel: exactly one of action and tag", "[requests]") {
  const auto id = ActionId::parse(some_id).value();
  auto by_id = parse_cancel(through_the_wire(make_cancel(4, CancelArgs{id, std::nullopt})));
  REQUIRE(by_id);
  CHECK(by_id->action == id);
  CHECK_FALSE(by_id->tag);
  auto by_tag = parse_cancel(through_the_wire(make_cancel(5, CancelArgs{std::nullopt, "cart"})));
  REQUIRE(by_tag);
  CHECK(by_tag->tag == "cart");
  CHECK_FALSE(by_tag->action);

  CHECK(failure(parse_cancel(object_of(R"({"op":"cancel"})"))).first == errc::missing_field);
  CHECK(failure(parse_cancel(object_of(R"({"op":"cancel","action":null,"tag":null})"))).first == errc::missing_field);
  const auto both = failure(parse_cancel(object_of(R"({"action":"01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f","tag":"t"})")));
  CHECK(both.first == errc::bad_field);
  CHECK_THAT(both.second, Catch::Contains("not both"));
  CHECK(failure(parse_cancel(object_of(R"({"tag":""})"))).first == errc::bad_field);
  CHECK(failure(parse_cancel(object_of(R"({"action":"zzz"})"))).first == errc::bad_field);
}

TEST_CASE("subscribe and unsubscribe", "[requests]") {
  auto all = parse_subscribe(through_the_wire(make_subscribe(6, SubscribeArgs{})));
  REQUIRE(all);
  CHECK_FALSE(all->tag);
  CHECK_FALSE(all->since);
  auto some = parse_subscribe(through_the_wire(make_subscribe(7, SubscribeArgs{"cart", 18'446'744'073'709'551'615ull})));
  REQUIRE(some);
  CHECK(some->tag == "cart");
  CHECK(some->since == 18'446'744'073'709'551'615ull);
  CHECK(parse_subscribe(object_of(R"({"since":0})"))->since == 0u);
  CHECK(failure(parse_subscribe(object_of(R"({"since":-1})"))).second == "field \"since\" must be a non-negative integer");
  CHECK(failure(parse_subscribe(object_of(R"({"since":"5"})"))).first == errc::bad_field);
  CHECK(failure(parse_subscribe(object_of(R"({"tag":1})"))).first == errc::bad_field);

  CHECK(parse_unsubscribe(through_the_wire(make_unsubscribe(8, 3))).value() == 3u);
  CHECK(failure(parse_unsubscribe(object_of(R"({"op":"unsubscribe"})"))).first == errc::missing_field);
  CHECK(failure(parse_unsubscribe(object_of(R"({"subscription":"3"})"))).first == errc::bad_field);
}

TEST_CASE("argument-less requests", "[requests]") {
  const json::object status = through_the_wire(make_request(9, Op::status));
  CHECK(status.at("id") == 9);
  CHECK(status.at("op") == "status");
  CHECK(status.size() == 2);
  auto request = parse_request(status);
  REQUIRE(request);
  CHECK(request->op == Op::status);
  CHECK(request->id == json::value(9));
}
