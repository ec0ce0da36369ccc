// Frames and envelopes: decode_frame on every malformed input, the request envelope (op, id echo),
// replies, error replies, pushed events and parse_incoming on the client side.
#include "bgsync/proto/codec.hpp"
#include "tests/proto/proto_test_util.hpp"
#include "tests/support/catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace json = boost::json;
using namespace bgsync::proto;
using namespace bgsync::proto::test;

namespace {

template <class T>
errc code_of(const Result<T>& result) {
  REQUIRE_FALSE(result.has_value());
  REQUIRE(result.error().code.category() == error_category());
  return static_cast<errc>(result.error().code.value());
}

}  // namespace

TEST_CASE("encode_frame writes one line that decode_frame reads back", "[frames]") {
  const json::object message{{"id", 7}, {"op", "enqueue"}, {"body", "line one\nline two\r\n\0end"}};
  const std::string frame = encode_frame(message);
  REQUIRE(frame.back() == '\n');
  CHECK(frame.find('\n') == frame.size() - 1);
  auto decoded = decode_frame(frame);
  REQUIRE(decoded);
  CHECK(*decoded == message);
  // Without the newline too.
  auto unterminated = decode_frame(std::string_view(frame).substr(0, frame.size() - 1));
  REQUIRE(unterminated);
  CHECK(*unterminated == message);
}

TEST_CASE("decode_frame rejects malformed frames as bad_frame", "[frames]") {
  const auto check = [](std::string_view frame, std::string_view message_part) {
    INFO("frame: " << frame);
    auto result = decode_frame(frame);
    CHECK(code_of(result) == errc::bad_frame);
    CHECK_THAT(result.error().message, Catch::Contains(std::string(message_part)));
  };
  check("", "empty");
  check("\n", "empty");
  check("   \r\n", "empty");
  check("hello\n", "not valid JSON");
  check("{\"op\":\"status\"\n", "not valid JSON");      // truncated
  check("{\"op\":\"status\",}\n", "not valid JSON");    // trailing comma
  check("{\"op\":\"status\"} {}\n", "not valid JSON");  // two values on one line
  check("[1,2,3]\n", "got an array");
  check("42\n", "got a number");
  check("\"op\"\n", "got a string");
  check("null\n", "got null");
  check("{\"op\":\"st\xff\xfe\"}\n", "not valid UTF-8 (byte 9)");
  check("{\"op\":\"\xc0\xaf\"}\n", "not valid UTF-8");       // overlong '/'
  check("{\"op\":\"\xed\xa0\x80\"}\n", "not valid UTF-8");   // a surrogate
  check("{\"op\":\"\xe2\x82\"}\n", "not valid UTF-8");       // cut sequence
  check("{\"op\":\"a\tb\"}\n", "not valid JSON");           // raw control character in a string
}

TEST_CASE("decode_frame finds a bad byte after ASCII runs of every length and alignment", "[frames]") {
  // The UTF-8 scan skips ASCII eight bytes at a time: a bad byte, or a good multi-byte sequence,
  // must be found wherever it falls in or after such a run.
  for (std::size_t run = 0; run <= 40; ++run) {
    INFO("ASCII run of " << run);
    const std::string ascii(run, 'a');
    auto bad = decode_frame("{\"op\":\"" + ascii + "\xff\"}\n");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("not valid UTF-8 (byte " + std::to_string(7 + run) + ")"));
    auto cut = decode_frame("{\"op\":\"" + ascii + "b\xe2\x82\"}\n");
    REQUIRE_FALSE(cut);
    CHECK_THAT(cut.error().message, Catch::Contains("not valid UTF-8 (byte " + std::to_string(8 + run) + ")"));
    for (const char* good : {"\xc3\xbc", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
      const std::string text = ascii + good + ascii;
      auto ok = decode_frame("{\"op\":\"" + text + "\"}\n");
      REQUIRE(ok);
      CHECK(ok->at("op").as_string() == text);
    }
  }
}

TEST_CASE("decode_frame accepts UTF-8 and escapes", "[frames]") {
  auto result = decode_frame("{\"s\":\"gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80 \\u00e9\\n\"}\n");
  REQUIRE(result);
  CHECK(result->at("s").as_string() == "gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80 \xc3\xa9\n");
}

TEST_CASE("decode_frame enforces max_frame_size including the newline", "[frames]") {
  // Exactly at the limit: a valid object padded with spaces to max_frame_size - 1 bytes, plus '\n'.
  std::string frame = "{\"op\":\"status\"}";
  frame.append(max_frame_size - 1 - frame.size(), ' ');
  frame.push_back('\n');
  REQUIRE(frame.size() == max_frame_size);
  CHECK(decode_frame(frame));

  std::string over(max_frame_size + 1, 'x');
  auto result = decode_frame(over);
  CHECK(code_of(result) == errc::frame_too_large);
  CHECK_THAT(result.error().message, Catch::Contains("16777216"));

  // Without a newline the limit counts the one that would end it.
  std::string unterminated = frame.substr(0, frame.size() - 1);
  unterminated.push_back(' ');
  CHECK(code_of(decode_frame(unterminated)) == errc::frame_too_large);
}

TEST_CASE("parse_request reads the op and echoes any scalar id", "[frames]") {
  auto request = parse_request(object_of(R"({"id":"abc","op":"status"})"));
  REQUIRE(request);
  CHECK(request->op == Op::status);
  CHECK(request->id == json::value("abc"));
  CHECK(request->message.at("op") == "status");

  CHECK(request_id(object_of(R"({"id":12})")) == json::value(12));
  CHECK(request_id(object_of(R"({"id":-1.5})")) == json::value(-1.5));
  CHECK(request_id(object_of(R"({"id":true})")) == json::value(true));
  CHECK(request_id(object_of(R"({"id":null})")).is_null());
  CHECK(request_id(object_of(R"({"id":18446744073709551615})")) == json::value(18446744073709551615ull));
  CHECK(request_id(object_of(R"({"id":[1]})")).is_null());
  CHECK(request_id(object_of(R"({"id":{"a":1}})")).is_null());
  CHECK(request_id(object_of(R"({"op":"status"})")).is_null());

  for (std::size_t i = 0; i < 11; ++i) {
    const auto op = static_cast<Op>(i);
    CHECK(parse_op(to_string(op)) == op);
  }
}

TEST_CASE("parse_request errors name the problem", "[frames]") {
  auto missing = parse_request(object_of(R"({"id":1})"));
  CHECK(code_of(missing) == errc::missing_field);
  CHECK(missing.error().message == "missing field \"op\"");

  CHECK(code_of(parse_request(object_of(R"({"id":1,"op":null})"))) == errc::missing_field);

  auto wrong_type = parse_request(object_of(R"({"id":1,"op":5})"));
  CHECK(code_of(wrong_type) == errc::bad_field);
  CHECK_THAT(wrong_type.error().message, Catch::StartsWith("field \"op\" must be a string"));

  auto unknown = parse_request(object_of(R"({"id":1,"op":"frobnicate"})"));
  CHECK(code_of(unknown) == errc::unknown_op);
  CHECK(unknown.error().message == "unknown op \"frobnicate\"");

  CHECK(code_of(parse_request(object_of(R"({"op":"Status"})"))) == errc::unknown_op);  // case matters
  // Even a failing request's id can be echoed.
  CHECK(request_id(object_of(R"({"id":"x","op":"frobnicate"})")) == json::value("x"));
}

TEST_CASE("make_ok_reply and make_error_reply shape replies", "[frames]") {
  const json::object ok = make_ok_reply(json::value(3), json::object{{"paused", true}, {"id", "ignored"}});
  CHECK(json::serialize(ok) == R"({"id":3,"ok":true,"paused":true})");

  const json::object error = make_error_reply("req-1", make_error(errc::bad_url, "bad URL \"x\": no"));
  CHECK(json::serialize(error) ==
        R"({"id":"req-1","ok":false,"error":{"code":"bad_url","message":"bad URL \"x\": no"}})");

  // A code from another category travels as internal, keeping its message.
  const json::object foreign =
      make_error_reply(nullptr, Error{std::make_error_code(std::errc::io_error), "disk on fire"});
  CHECK(foreign.at("error").at("code") == "internal");
  CHECK(foreign.at("error").at("message") == "disk on fire");
  CHECK(foreign.at("id").is_null());
}

TEST_CASE("errc names round-trip and unknown names do not", "[frames]") {
  for (int value = 1; value <= static_cast<int>(errc::internal); ++value) {
    const auto e = static_cast<errc>(value);
    CHECK(errc_from_name(errc_name(e)) == e);
    CHECK_FALSE(make_error_code(e).message().empty());
  }
  CHECK(errc_name(errc::frame_too_large) == "frame_too_large");
  CHECK_FALSE(errc_from_name("no_such_code"));
  CHECK(std::error_code(errc::not_found) == make_error_code(errc::not_found));
  CHECK(std::string(error_category().name()) == "bgsync.proto");
}

TEST_CASE("Result::value() on an error throws system_error with the message", "[frames]") {
  Result<int> result = make_error(errc::not_found, "no action 1234");
  CHECK_THROWS_AS(result.value(), std::system_error);
  CHECK_THROWS_WITH(result.value(), Catch::Contains("no action 1234"));
}

TEST_CASE("parse_incoming reads ok replies", "[frames]") {
  auto incoming = parse_incoming(object_of(R"({"id":5,"ok":true,"paused":false})"));
  REQUIRE(incoming);
  const auto* reply = std::get_if<Reply>(&*incoming);
  REQUIRE(reply != nullptr);
  CHECK(reply->id == json::value(5));
  REQUIRE(reply->result);
  CHECK(reply->result->at("paused") == false);
}

TEST_CASE("parse_incoming reads error replies, unknown codes as internal", "[frames]") {
  auto incoming = parse_incoming(object_of(R"({"id":6,"ok":false,"error":{"code":"not_found","message":"no such action"}})"));
  REQUIRE(incoming);
  const auto& reply = std::get<Reply>(*incoming);
  CHECK(reply.id == json::value(6));
  CHECK(code_of(reply.result) == errc::not_found);
  CHECK(reply.result.error().message == "no such action");

  auto future = parse_incoming(object_of(R"({"id":7,"ok":false,"error":{"code":"quota_exceeded","message":"over quota"}})"));
  REQUIRE(future);
  const auto& future_reply = std::get<Reply>(*future);
  CHECK(code_of(future_reply.result) == errc::internal);
  CHECK(future_reply.result.error().message == "over quota");
}

TEST_CASE("parse_incoming rejects malformed replies", "[frames]") {
  CHECK(code_of(parse_incoming(object_of(R"({"id":1})"))) == errc::missing_field);
  CHECK(code_of(parse_incoming(object_of(R"({"id":1,"ok":"yes"})"))) == errc::bad_field);
  CHECK(code_of(parse_incoming(object_of(R"({"id":1,"ok":false})"))) == errc::missing_field);
  CHECK(code_of(parse_incoming(object_of(R"({"id":1,"ok":false,"error":"x"})"))) == errc::bad_field);
  auto no_code = parse_incoming(object_of(R"({"id":1,"ok":false,"error":{"message":"m"}})"));
  CHECK(code_of(no_code) == errc::missing_field);
  CHECK(no_code.error().message == "missing field \"error.code\"");
  CHECK(code_of(parse_incoming(object_of(R"({"id":1,"ok":false,"error":{"code":"internal"}})"))) ==
        errc::missing_field);
}

TEST_CASE("make_event_push and parse_incoming carry events", "[frames]") {
  Event event;
  event.seq = 42;
  event.type = EventType::retry;
  event.id = *ActionId::parse("01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f");
  event.tag = "cart";
  event.app = "shop";
  event.time = TimePoint{std::chrono::milliseconds{1'795'000'000'123}};
  event.attempt = 2;
  event.status = 503;
  event.error = "HTTP 503 Service Unavailable";
  event.next_attempt = event.time + std::chrono::seconds{30};

  const json::object push = make_event_push(9, event);
  CHECK_FALSE(push.contains("id"));
  CHECK_FALSE(push.contains("ok"));
  auto decoded = decode_frame(encode_frame(push));
  REQUIRE(decoded);
  auto incoming = parse_incoming(*decoded);
  REQUIRE(incoming);
  const auto* pushed = std::get_if<EventPush>(&*incoming);
  REQUIRE(pushed != nullptr);
  CHECK(pushed->subscription == 9);
  CHECK(pushed->event.seq == 42);
  CHECK(pushed->event.type == EventType::retry);
  CHECK(pushed->event.id == event.id);
  CHECK(pushed->event.next_attempt == event.next_attempt);
  CHECK(pushed->event.error == event.error);

  CHECK(code_of(parse_incoming(object_of(R"({"event":5,"subscription":1})"))) == errc::bad_field);
  auto no_subscription = parse_incoming(json::object{{"event", to_json(event)}});
  CHECK(code_of(no_subscription) == errc::missing_field);
}
