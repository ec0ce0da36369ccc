// The outbox's binary record and key formats: round trips, corruption handling, key order.
#include "daemon/store/record.hpp"

#include <string>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

using proto::ActionState;
using proto::EventType;
using record::StoredAction;

StoredAction full_action() {
  StoredAction s;
  s.order = 0x0102030405060708ULL;
  Action& a = s.action;
  a.id = make_id(42);
  a.app = "mail";
  a.tag = "outbox/42";
  a.created = at(t0);
  a.updated = at(t0 + 5);
  a.method = "PUT";
  a.url = "https://example.com/x?y=z";
  a.headers = {{"Content-Type", "application/json"}, {"X-Empty", ""}};
  a.body = std::string("bin\0ary\xff", 8);
  a.attempts = 7;
  a.state = ActionState::failed;
  a.next_attempt = at(-1234);  // before the epoch still round-trips
  a.last_error = "HTTP 404";
  a.response_status = 404;
  a.response_headers = {{"Server", "test"}};
  a.response_body = "not found";
  return s;
}

void require_same(const Action& x, const Action& y) {
  REQUIRE(x.id == y.id);
  REQUIRE(x.app == y.app);
  REQUIRE(x.tag == y.tag);
  REQUIRE(x.created == y.created);
  REQUIRE(x.updated == y.updated);
  REQUIRE(x.method == y.method);
  REQUIRE(x.url == y.url);
  REQUIRE(x.headers == y.headers);
  REQUIRE(x.body == y.body);
  REQUIRE(x.attempts == y.attempts);
  REQUIRE(x.state == y.state);
  REQUIRE(x.next_attempt == y.next_attempt);
  REQUIRE(x.last_error == y.last_error);
  REQUIRE(x.response_status == y.response_status);
  REQUIRE(x.response_headers == y.response_headers);
  REQUIRE(x.response_body == y.response_body);
}

TEST_CASE("action records round-trip", "[store][record]") {
  SECTION("every field set") {
    StoredAction s = full_action();
    auto back = record::decode_action(s.action.id, record::encode_action(s));
    REQUIRE(back);
    REQUIRE(back->order == s.order);
    require_same(back->action, s.action);
  }
  SECTION("optional fields absent, empty strings") {
    StoredAction s;
    s.action.id = make_id(1);
    s.action.state = ActionState::sending;
    auto back = record::decode_action(s.action.id, record::encode_action(s));
    REQUIRE(back);
    REQUIRE_FALSE(back->action.next_attempt);
    REQUIRE_FALSE(back->action.response_status);
    require_same(back->action, s.action);
  }
}

TEST_CASE("event records round-trip", "[store][record]") {
  Event e;
  e.seq = 99;
  e.type = EventType::retry;
  e.id = make_id(3);
  e.tag = "t";
  e.app = "a";
  e.time = at(t0);
  e.attempt = 2;
  e.status = 503;
  e.error = "HTTP 503";
  e.next_attempt = at(t0 + 10'000);
  auto back = record::decode_event(e.seq, record::encode_event(e));
  REQUIRE(back);
  REQUIRE(back->seq == 99);
  REQUIRE(back->type == e.type);
  REQUIRE(back->id == e.id);
  REQUIRE(back->tag == e.tag);
  REQUIRE(back->app == e.app);
  REQUIRE(back->time == e.time);
  REQUIRE(back->attempt == e.attempt);
  REQUIRE(back->status == e.status);
  REQUIRE(back->error == e.error);
  REQUIRE(back->next_attempt == e.next_attempt);

  Event bare;
  auto bare_back = record::decode_event(1, record::encode_event(bare));
  REQUIRE(bare_back);
  REQUIRE_FALSE(bare_back->status);
  REQUIRE_FALSE(bare_back->next_attempt);
}

TEST_CASE("damaged records are refused, not misread", "[store][record]") {
  const std::string bytes = record::encode_action(full_action());
  const ActionId id = make_id(42);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("truncated to " << n);
    REQUIRE_FALSE(record::decode_action(id, bytes.substr(0, n)));
  }
  REQUIRE_FALSE(record::decode_action(id, bytes + "x"));  // trailing garbage
  std::string newer = bytes;
  newer[0] = static_cast<char>(record::action_format + 1);
  REQUIRE_FALSE(record::decode_action(id, newer));
  std::string bad_state = bytes;
  bad_state[9] = 9;  // after the format byte and the 8-byte order
  REQUIRE_FALSE(record::decode_action(id, bad_state));

  const std::string event = record::encode_event(Event{});
  for (std::size_t n = 0; n < event.size(); ++n) REQUIRE_FALSE(record::decode_event(1, event.substr(0, n)));
}

TEST_CASE("keys sort numerically", "[store][record]") {
  REQUIRE(record::u64_key(1) < record::u64_key(256));
  REQUIRE(record::parse_u64_key(record::u64_key(0xdeadbeef)) == 0xdeadbeefULL);
  REQUIRE(record::due_key(at(-5), 9) < record::due_key(at(0), 1));
  REQUIRE(record::due_key(at(t0), 2) < record::due_key(at(t0), 3));
  REQUIRE(record::due_key(at(t0), 99) < record::due_key(at(t0 + 1), 1));
  REQUIRE(record::due_key_time(record::due_key(at(-5), 9)) == at(-5));
  REQUIRE(record::due_key_time(record::due_key(at(t0), 9)) == at(t0));
  // A tag's keys are contiguous and do not interleave with a longer tag sharing its prefix.
  REQUIRE(record::tag_key("a", 1000) < record::tag_key("ab", 1));
  REQUIRE(record::tag_key("a", 1) < record::tag_key("a", 2));
  REQUIRE(record::tag_key("a", 2).starts_with(record::tag_prefix("a")));
  REQUIRE_FALSE(record::tag_key("ab", 2).starts_with(record::tag_prefix("a")));
  REQUIRE(record::id_from_bytes(record::id_bytes(make_id(7))) == make_id(7));
}

}  // namespace
}  // namespace bgsync::store::test
