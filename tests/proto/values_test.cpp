// Round trips of every protocol value through JSON text (to_json -> frame -> *_from_json), the
// choice between body and body_base64, header order and duplicates, and null vs absent fields.
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
using namespace std::chrono_literals;

namespace {

TimePoint at(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }

const ActionId some_id = *ActionId::parse("01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f");

Action full_action() {
  Action a;
  a.id = some_id;
  a.app = "shop";
  a.tag = "cart-\xc3\xa9";
  a.created = at(1'795'000'000'123);
  a.updated = at(1'795'000'060'456);
  a.method = "POST";
  a.url = "https://api.example.com/cart?x=1&y=%20";
  a.headers = {{"X-A", "1"}, {"Content-Type", "application/json"}, {"X-A", "2"}, {"x-a", ""}};
  a.body = R"({"items":[1,2]})";
  a.attempts = 3;
  a.state = ActionState::queued;
  a.next_attempt = at(1'795'000'090'000);
  a.last_error = "connect: connection refused";
  a.response_status = 503;
  a.response_headers = {{"Retry-After", "30"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
  a.response_body = "try later";
  a.policy.expires_at = at(1'795'600'000'123);
  a.policy.max_attempts = 9;
  a.policy.backoff = Backoff{std::chrono::seconds(1), std::chrono::minutes(5), BackoffKind::linear};
  a.policy.not_before = at(1'795'000'050'000);
  a.policy.collapse_key = "draft";
  a.policy.on_failure = OnFailure::continue_;
  a.policy.unordered = true;
  a.held = true;
  a.blocked_by = *ActionId::parse("01937a2e-5f00-7c3a-8d2b-000000000001");
  return a;
}

void check_same(const Action& a, const Action& b) {
  CHECK(a.id == b.id);
  CHECK(a.app == b.app);
  CHECK(a.tag == b.tag);
  CHECK(a.created == b.created);
  CHECK(a.updated == b.updated);
  CHECK(a.method == b.method);
  CHECK(a.url == b.url);
  CHECK(a.headers == b.headers);
  CHECK(a.body == b.body);
  CHECK(a.attempts == b.attempts);
  CHECK(a.state == b.state);
  CHECK(a.next_attempt == b.next_attempt);
  CHECK(a.last_error == b.last_error);
  CHECK(a.response_status == b.response_status);
  CHECK(a.response_headers == b.response_headers);
  CHECK(a.response_body == b.response_body);
  CHECK(a.policy == b.policy);
  CHECK(a.held == b.held);
  CHECK(a.blocked_by == b.blocked_by);
}

}  // namespace

TEST_CASE("an action round-trips with every field", "[values]") {
  const Action action = full_action();
  const json::object object = to_json(action);
  CHECK(object.at("id") == "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f");
  CHECK(object.at("state") == "queued");
  CHECK(object.at("created") == "2026-11-18T11:06:40.123Z");
  CHECK(object.contains("body"));
  CHECK_FALSE(object.contains("body_base64"));
  CHECK(json::serialize(object.at("headers")) == R"([["X-A","1"],["Content-Type","application/json"],["X-A","2"],["x-a",""]])");
  auto back = action_from_json(through_the_wire(object));
  REQUIRE(back);
  check_same(*back, action);
}

TEST_CASE("binary bodies travel as base64", "[values]") {
  Action action = full_action();
  action.body = std::string("\x00\x01\xff\xfe binary", 11);
  action.response_body = "\x89PNG\r\n\x1a\n";
  const json::object object = to_json(action);
  CHECK_FALSE(object.contains("body"));
  CHECK(object.at("body_base64") == "AAH//iBiaW5hcnk=");
  CHECK(object.contains("response_body_base64"));
  CHECK_FALSE(object.contains("response_body"));
  auto back = action_from_json(through_the_wire(object));
  REQUIRE(back);
  check_same(*back, action);

  // Every length modulo 3, and every byte value.
  for (std::size_t length = 0; length < 260; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) bytes.push_back(static_cast<char>((i * 7 + length) & 0xff));
    action.body = bytes;
    auto again = action_from_json(through_the_wire(to_json(action)));
    REQUIRE(again);
    CHECK(again->body == bytes);
  }
}

TEST_CASE("an action with nothing optional round-trips with nulls", "[values]") {
  Action action;
  action.id = some_id;
  action.method = "GET";
  action.url = "http://localhost/";
  action.state = ActionState::sent;
  const json::object object = to_json(action);
  CHECK(object.at("next_attempt").is_null());
  CHECK(object.at("last_error").is_null());
  CHECK(object.at("response_status").is_null());
  CHECK(object.at("body") == "");
  CHECK(object.at("tag") == "");
  auto back = action_from_json(through_the_wire(object));
  REQUIRE(back);
  check_same(*back, action);
}

TEST_CASE("readers treat null and absent optional fields alike", "[values]") {
  const json::object minimal = json::parse(R"({"id":"01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f","state":"failed",
      "method":"GET","url":"http://x/","attempts":1,"created":"2026-01-01T00:00:00Z",
      "updated":"2026-01-01T00:00:01Z"})").as_object();
  json::object with_nulls = minimal;
  for (const char* key : {"app", "tag", "headers", "body", "body_base64", "next_attempt", "last_error",
                          "response_status", "response_headers", "response_body", "response_body_base64"}) {
    with_nulls[key] = nullptr;
  }
  auto a = action_from_json(minimal);
  auto b = action_from_json(with_nulls);
  REQUIRE(a);
  REQUIRE(b);
  check_same(*a, *b);
  CHECK(a->state == ActionState::failed);
  CHECK_FALSE(a->next_attempt);
  CHECK(a->headers.empty());
  // Unknown fields are ignored: forward compatibility.
  json::object extra = minimal;
  extra["priority"] = 5;
  CHECK(action_from_json(extra));
}

TEST_CASE("action_from_json names bad fields", "[values]") {
  json::object object = to_json(full_action());
  const auto code_of = [](const json::object& o) {
    auto r = action_from_json(o);
    REQUIRE_FALSE(r);
    return std::pair{static_cast<errc>(r.error().code.value()), r.error().message};
  };
  json::object o = object;
  o.erase("url");
  CHECK(code_of(o) == std::pair{errc::missing_field, std::string("missing field \"url\"")});
  o = object;
  o["state"] = "lost";
  CHECK(code_of(o).first == errc::bad_field);
  o = object;
  o["attempts"] = -1;
  CHECK(code_of(o).second == "field \"attempts\" must be an integer 0..4294967295");
  o = object;
  o["body_base64"] = "AAAA";
  CHECK_THAT(code_of(o).second, Catch::Contains("not both"));
  o = object;
  o.erase("body");
  o["body_base64"] = "not base64!";
  CHECK(code_of(o).second == "field \"body_base64\" must be base64 (RFC 4648, standard alphabet)");
  o = object;
  o["headers"] = json::parse(R"([["A","1"],["B"]])");
  CHECK_THAT(code_of(o).second, Catch::Contains("element 1"));
  o = object;
  o["created"] = "yesterday";
  CHECK(code_of(o).first == errc::bad_field);
  o = object;
  o["id"] = "1234";
  CHECK(code_of(o).first == errc::bad_field);
}

TEST_CASE("list leaves bodies out and ListPage round-trips", "[values]") {
  const Action action = full_action();
  const json::object listed = to_json(action, false);
  CHECK_FALSE(listed.contains("body"));
  CHECK_FALSE(listed.contains("body_base64"));
  CHECK_FALSE(listed.contains("response_body"));

  ListPage page;
  page.actions = {action, action};
  page.next = some_id;
  const json::object object = to_json(page);
  CHECK(object.at("next") == "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f");
  auto back = list_page_from_json(through_the_wire(object));
  REQUIRE(back);
  REQUIRE(back->actions.size() == 2);
  CHECK(back->actions[1].url == action.url);
  CHECK(back->actions[1].body.empty());
  CHECK(back->next == some_id);
  CHECK_FALSE(object.contains("remaining"));  // only when counted
  CHECK_FALSE(back->remaining);
  page.remaining = 24'900;
  CHECK(list_page_from_json(through_the_wire(to_json(page)))->remaining == 24'900u);

  const json::object last = to_json(ListPage{});
  CHECK(last.at("next").is_null());
  auto empty = list_page_from_json(last);
  REQUIRE(empty);
  CHECK(empty->actions.empty());
  CHECK_FALSE(empty->next);
}

TEST_CASE("events round-trip, with and without optional fields", "[values]") {
  Event event;
  event.seq = 18'000'000'000'000'000'000ull;
  event.type = EventType::sent;
  event.id = some_id;
  event.tag = "t";
  event.app = "a";
  event.time = at(1'795'000'000'001);
  event.attempt = 1;
  event.status = 201;
  auto back = event_from_json(through_the_wire(to_json(event)));
  REQUIRE(back);
  CHECK(back->seq == event.seq);
  CHECK(back->type == EventType::sent);
  CHECK(back->status == 201);
  CHECK(back->error.empty());
  CHECK_FALSE(back->next_attempt);
  CHECK(back->time == event.time);
  CHECK(to_json(event).at("error").is_null());
  CHECK(to_json(event).at("next_attempt").is_null());

  CHECK(to_json(event).at("online").is_null());
  CHECK(to_json(event).at("reason").is_null());

  for (std::size_t i = 0; i < 7; ++i) {
    const auto type = static_cast<EventType>(i);
    CHECK(parse_event_type(to_string(type)) == type);
  }
}

TEST_CASE("network events carry online and the reason", "[values]") {
  Event event;
  event.seq = 7;
  event.type = EventType::network;
  event.time = at(1'795'000'000'001);
  event.online = false;
  event.reason = "no route to 192.0.2.1";
  auto back = event_from_json(through_the_wire(to_json(event)));
  REQUIRE(back);
  CHECK(back->type == EventType::network);
  CHECK(back->online == false);
  CHECK(back->reason == "no route to 192.0.2.1");
  CHECK(to_json(event).at("id") == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE("an action's waiting reason round-trips, none as null", "[values]") {
  for (std::size_t i = 0; i < 5; ++i) {
    const auto reason = static_cast<WaitReason>(i);
    CHECK(parse_wait_reason(to_string(reason)) == reason);
  }
  Action action;
  action.id = some_id;
  action.method = "GET";
  action.url = "http://example.com/";
  action.waiting = WaitReason::network;
  CHECK(to_json(action).at("waiting") == "network");
  auto back = action_from_json(through_the_wire(to_json(action)));
  REQUIRE(back);
  CHECK(back->waiting == WaitReason::network);
  action.waiting = WaitReason::none;
  CHECK(to_json(action).at("waiting").is_null());
  auto newer = to_json(action);
  newer["waiting"] = "a reason from the future";
  CHECK(action_from_json(newer)->waiting == WaitReason::none);
}

TEST_CASE("a brief enqueue reply round-trips and rebuilds the action the daemon stored", "[values]") {
  const Enqueued enqueued{some_id, at(1'795'000'000'123), WaitReason::paused, at(1'795'600'000'123), 41};
  const json::object object = through_the_wire(to_json(enqueued));
  CHECK(json::serialize(object) ==
        R"({"action_id":"01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f","created":"2026-11-18T11:06:40.123Z","waiting":"paused",)"
        R"("expires_at":"2026-11-25T09:46:40.123Z","seq":41})");
  auto back = enqueued_from_json(object);
  REQUIRE(back);
  CHECK(back->id == some_id);
  CHECK(back->created == enqueued.created);
  CHECK(back->waiting == WaitReason::paused);
  CHECK(back->seq == 41);
  // A daemon older than `seq` leaves it out: 0, "not known".
  CHECK(enqueued_from_json(object_of(R"({"action_id":"01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f","created":"2026-11-18T11:06:40.123Z"})"))
            ->seq == 0);
  CHECK(enqueued_from_json(through_the_wire(to_json(Enqueued{some_id, at(5), WaitReason::none, {}, 0})))->waiting ==
        WaitReason::none);
  CHECK(failure(enqueued_from_json(object_of(R"({"created":"2026-11-18T11:06:40.123Z"})"))).first ==
        errc::missing_field);
  CHECK(failure(enqueued_from_json(object_of(R"({"action_id":"x","created":"2026-11-18T11:06:40.123Z"})"))).first ==
        errc::bad_field);

  // What the daemon stores for a new action (the store builds it the same way; e2e compares with `get`).
  const Action full = full_action();
  EnqueueRequest request;
  request.method = full.method;
  request.url = full.url;
  request.headers = full.headers;
  request.body = full.body;
  request.tag = full.tag;
  request.app = full.app;
  const Action rebuilt = enqueued_action(request, *back);
  CHECK(rebuilt.id == some_id);
  CHECK(rebuilt.method == full.method);
  CHECK(rebuilt.url == full.url);
  CHECK(rebuilt.headers == full.headers);
  CHECK(rebuilt.tag == full.tag);
  CHECK(rebuilt.app == full.app);
  CHECK(rebuilt.body.empty());  // as in the whole reply: without bodies
  CHECK(rebuilt.queued_seq == 41);
  CHECK(rebuilt.state == ActionState::queued);
  CHECK(rebuilt.attempts == 0);
  CHECK(rebuilt.created == enqueued.created);
  CHECK(rebuilt.updated == enqueued.created);
  CHECK(rebuilt.next_attempt == enqueued.created);
  CHECK(rebuilt.waiting == WaitReason::paused);
  CHECK(rebuilt.policy.expires_at == enqueued.expires_at);
  CHECK(rebuilt.last_error.empty());
  CHECK_FALSE(rebuilt.response_status);
  CHECK(rebuilt.response_headers.empty());
}

TEST_CASE("status, subscribe and hello results round-trip", "[values]") {
  Status status;
  status.version = "0.1.0";
  status.online = false;
  status.network_reason = "link eth0 is down";
  status.network_since = at(1'795'000'000'500);
  status.paused = true;
  status.counts[ActionState::queued] = 5;
  status.counts[ActionState::failed] = 2;
  status.counts[ActionState::cancelled] = 1;
  status.last_seq = 99;
  status.next_attempt = at(1'795'000'000'000);
  const json::object object = to_json(status);
  CHECK(json::serialize(object.at("counts")) == R"({"queued":5,"sending":0,"sent":0,"failed":2,"cancelled":1})");
  auto back = status_from_json(through_the_wire(object));
  REQUIRE(back);
  CHECK(back->version == "0.1.0");
  CHECK_FALSE(back->online);
  CHECK(back->network_reason == "link eth0 is down");
  CHECK(back->network_since == status.network_since);
  CHECK(back->paused);
  CHECK(back->counts.by_state == status.counts.by_state);
  CHECK(back->last_seq == 99);
  CHECK(back->next_attempt == status.next_attempt);
  status.next_attempt.reset();
  CHECK(to_json(status).at("next_attempt").is_null());
  CHECK_FALSE(status_from_json(to_json(status))->next_attempt);

  const SubscribeResult subscribed{3, 120, 7};
  auto s = subscribe_result_from_json(through_the_wire(to_json(subscribed)));
  REQUIRE(s);
  CHECK(s->subscription == 3);
  CHECK(s->last_seq == 120);
  CHECK(s->first_seq == 7);

  const HelloResult hello{protocol_version, "bgsyncd 0.1.0", max_frame_size, {"not_before", "spool"}};
  auto h = hello_result_from_json(through_the_wire(to_json(hello)));
  REQUIRE(h);
  CHECK(h->version == 1);
  CHECK(h->server == "bgsyncd 0.1.0");
  CHECK(h->max_frame == max_frame_size);
  CHECK(h->features == std::vector<std::string>{"not_before", "spool"});
}

TEST_CASE("strings that are not UTF-8 still make a valid frame", "[values]") {
  // A server may send Latin-1 header values; the frame must stay UTF-8 (bytes map to U+0080..U+00FF).
  Action action = full_action();
  action.response_headers = {{"X-Name", "M\xfcller"}};
  action.last_error = "bad \xff byte";
  const std::string frame = encode_frame(to_json(action));
  auto decoded = decode_frame(frame);
  REQUIRE(decoded);
  auto back = action_from_json(*decoded);
  REQUIRE(back);
  CHECK(back->response_headers[0].value == "M\xc3\xbcller");
  CHECK(back->last_error == "bad \xc3\xbf byte");
}

TEST_CASE("ActionId text form", "[values]") {
  const auto id = ActionId::parse("01937A2E-5F00-7c3a-8D2B-0a1b2c3d4e5f");
  REQUIRE(id);
  CHECK(id->to_string() == "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f");
  CHECK(id->bytes[0] == 0x01);
  CHECK(id->bytes[15] == 0x5f);
  CHECK(*id == some_id);
  CHECK(ActionId{}.to_string() == "00000000-0000-0000-0000-000000000000");

  for (const char* bad : {"", "01937a2e5f007c3a8d2b0a1b2c3d4e5f", "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5",
                          "01937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f0", "01937a2g-5f00-7c3a-8d2b-0a1b2c3d4e5f",
                          "01937a2e_5f00-7c3a-8d2b-0a1b2c3d4e5f", "{1937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f",
                          "01937a2e-5f007-c3a-8d2b-0a1b2c3d4e5f", " 1937a2e-5f00-7c3a-8d2b-0a1b2c3d4e5f"}) {
    INFO(bad);
    CHECK_FALSE(ActionId::parse(bad));
  }
  const auto a = ActionId::parse("00000000-0000-0000-0000-000000000001");
  const auto b = ActionId::parse("00000000-0000-0000-0000-000000000002");
  CHECK(*a < *b);
}

TEST_CASE("action states have stable names", "[values]") {
  CHECK(to_string(ActionState::cancelled) == "cancelled");
  for (std::size_t i = 0; i < action_state_count; ++i) {
    const auto state = static_cast<ActionState>(i);
    CHECK(parse_action_state(to_string(state)) == state);
  }
  CHECK_FALSE(parse_action_state("QUEUED"));
  CHECK(is_terminal(ActionState::failed));
  CHECK_FALSE(is_terminal(ActionState::sending));
}
