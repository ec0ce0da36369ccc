// The outbox's binary record and key formats: round trips, corruption handling, key order, and
// records written by earlier formats (hand-made bytes, so a change of layout cannot hide here).
#include "daemon/store/record.hpp"

#include <chrono>
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
  a.policy.expires_at = at(t0 + 7);
  a.policy.max_attempts = 4;
  a.policy.backoff = proto::Backoff{std::chrono::milliseconds(250), std::chrono::seconds(9), proto::BackoffKind::linear};
  a.policy.not_before = at(-5);
  a.policy.collapse_key = "draft";
  a.policy.on_failure = proto::OnFailure::continue_;
  a.policy.unordered = true;
  a.held = true;
  s.events = {1, 2, 0xfffffffffULL};
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
  REQUIRE(x.policy == y.policy);
  REQUIRE(x.held == y.held);
}

TEST_CASE("action records round-trip", "[store][record]") {
  SECTION("every field set") {
    StoredAction s = full_action();
    auto back = record::decode_action(s.action.id, record::encode_action(s));
    REQUIRE(back);
    REQUIRE(back->order == s.order);
    REQUIRE(back->parked.empty());
    REQUIRE(back->events == s.events);
    require_same(back->action, s.action);
  }
  SECTION("parked") {
    StoredAction s = full_action();
    s.action.state = ActionState::queued;
    s.parked = "example.com";
    s.action.policy = {};
    s.action.held = false;
    s.events.clear();
    const std::string bytes = record::encode_action(s);
    REQUIRE(bytes[0] == 3);
    // parked, then the policy tail: no flags, 37 zero bytes of unset values, no collapse key, no seqs.
    REQUIRE(bytes.ends_with(std::string("\x0b\x00\x00\x00", 4) + "example.com" + std::string(1 + 37 + 4 + 4, '\0')));
    auto back = record::decode_action(s.action.id, bytes);
    REQUIRE(back);
    REQUIRE(back->parked == "example.com");
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

TEST_CASE("decode_url reads only the URL of an action record", "[store][record]") {
  StoredAction s = full_action();
  const std::string bytes = record::encode_action(s);
  REQUIRE(record::decode_url(bytes) == s.action.url);
  s.parked = "example.com";
  REQUIRE(record::decode_url(record::encode_action(s)) == s.action.url);
  // Cut inside the URL: not a record.
  const auto url_at = bytes.find(s.action.url);
  REQUIRE(url_at != std::string::npos);
  REQUIRE_FALSE(record::decode_url(bytes.substr(0, url_at + 1)));
  REQUIRE_FALSE(record::decode_url(""));
}

// A `network` event written and read back, checked to keep its type, online flag and reason.
Event network_event_round_trip(bool online) {
  Event net;
  net.type = EventType::network;
  net.time = at(t0);
  net.online = online;
  net.reason = online ? "" : "link eth0 down";
  auto back = record::decode_event(7, record::encode_event(net));
  REQUIRE(back);
  REQUIRE(back->type == EventType::network);
  REQUIRE(back->online == online);
  REQUIRE(back->reason == net.reason);
  return *back;
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

  REQUIRE_FALSE(back->online);
  REQUIRE(back->reason.empty());

  Event bare;
  auto bare_back = record::decode_event(1, record::encode_event(bare));
  REQUIRE(bare_back);
  REQUIRE_FALSE(bare_back->status);
  REQUIRE_FALSE(bare_back->next_attempt);
  REQUIRE_FALSE(bare_back->online);

  for (bool online : {false, true}) REQUIRE(network_event_round_trip(online).id == ActionId{});
}

// A `periodic` event as WriteTxn::periodic_record appends it.
Event periodic_event(proto::PeriodicOutcome outcome = proto::PeriodicOutcome::failed) {
  Event e;
  e.type = EventType::periodic;
  e.tag = "feed";
  e.app = "news";
  e.time = at(t0);
  e.status = 503;
  e.error = "HTTP 503";
  e.outcome = outcome;
  e.duration = std::chrono::milliseconds{1234};
  return e;
}

TEST_CASE("format 3 event records carry a periodic run's outcome and duration", "[store][record]") {
  for (auto outcome : {proto::PeriodicOutcome::updated, proto::PeriodicOutcome::not_modified,
                       proto::PeriodicOutcome::failed}) {
    const Event e = periodic_event(outcome);
    const std::string bytes = record::encode_event(e);
    REQUIRE(bytes[0] == 3);
    auto back = record::decode_event(5, bytes);
    REQUIRE(back);
    REQUIRE(back->seq == 5);
    REQUIRE(back->type == EventType::periodic);
    REQUIRE(back->id == ActionId{});
    REQUIRE(back->tag == "feed");
    REQUIRE(back->app == "news");
    REQUIRE(back->time == at(t0));
    REQUIRE(back->status == 503);
    REQUIRE(back->error == "HTTP 503");
    REQUIRE(back->outcome == outcome);
    REQUIRE(back->duration == std::chrono::milliseconds{1234});
    REQUIRE_FALSE(back->online);
    REQUIRE_FALSE(back->next_attempt);
  }
  SECTION("a zero duration is a duration; no status is none") {
    Event e = periodic_event(proto::PeriodicOutcome::failed);
    e.status.reset();
    e.duration = std::chrono::milliseconds{0};
    auto back = record::decode_event(1, record::encode_event(e));
    REQUIRE(back);
    REQUIRE(back->duration == std::chrono::milliseconds{0});
    REQUIRE_FALSE(back->status);
  }
  SECTION("an outcome without a duration, and the reverse") {
    Event e = periodic_event();
    e.duration.reset();
    auto back = record::decode_event(1, record::encode_event(e));
    REQUIRE(back->outcome == proto::PeriodicOutcome::failed);
    REQUIRE_FALSE(back->duration);
    e = periodic_event();
    e.outcome.reset();
    back = record::decode_event(1, record::encode_event(e));
    REQUIRE_FALSE(back->outcome);
    REQUIRE(back->duration == std::chrono::milliseconds{1234});
  }
  SECTION("a network event keeps online and reason, with no outcome or duration") {
    for (bool online : {false, true}) {
      const Event back = network_event_round_trip(online);
      REQUIRE_FALSE(back.outcome);
      REQUIRE_FALSE(back.duration);
    }
  }
  SECTION("an action event has no outcome or duration") {
    Event sent;
    sent.type = EventType::sent;
    sent.id = make_id(4);
    sent.status = 200;
    auto back = record::decode_event(2, record::encode_event(sent));
    REQUIRE(back);
    REQUIRE(back->type == EventType::sent);
    REQUIRE(back->id == make_id(4));
    REQUIRE_FALSE(back->outcome);
    REQUIRE_FALSE(back->duration);
  }
}

// Format 1 records, as bgsync wrote them before parking and network events, byte by byte.
// Fields are little-endian; strings are u32 length then bytes.
template <std::size_t N>
std::string bytes_of(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

const std::string v1_action = bytes_of(
    "\x01"                                // format 1
    "\x05\x00\x00\x00\x00\x00\x00\x00"    // order 5
    "\x00"                                // state queued
    "\x02\x00\x00\x00"                    // attempts 2
    "\xe8\x03\x00\x00\x00\x00\x00\x00"    // created 1000 ms
    "\xd0\x07\x00\x00\x00\x00\x00\x00"    // updated 2000 ms
    "\x01"                                // flags: has next_attempt
    "\xb8\x0b\x00\x00\x00\x00\x00\x00"    // next_attempt 3000 ms
    "\x00\x00\x00\x00"                    // response_status (unset)
    "\x04\x00\x00\x00" "mail"             // app
    "\x01\x00\x00\x00" "T"                // tag
    "\x03\x00\x00\x00" "GET"              // method
    "\x09\x00\x00\x00" "http://h/"        // url
    "\x01\x00\x00\x00"                    // 1 header:
    "\x01\x00\x00\x00" "A"                //   name
    "\x01\x00\x00\x00" "b"                //   value
    "\x00\x00\x00\x00"                    // body
    "\x07\x00\x00\x00" "timeout"          // last_error
    "\x00\x00\x00\x00"                    // no response headers
    "\x00\x00\x00\x00");                  // response_body

const std::string v1_event = bytes_of(
    "\x01"                                // format 1
    "\x02"                                // type retry
    "\x00\x00\x00\x00\x00\x00\x70\x00\x80\x00\x00\x00\x00\x00\x00\x03"  // id make_id(3)
    "\xe8\x03\x00\x00\x00\x00\x00\x00"    // time 1000 ms
    "\x01\x00\x00\x00"                    // attempt 1
    "\x03"                                // flags: has next_attempt, has status
    "\xf7\x01\x00\x00"                    // status 503
    "\x88\x13\x00\x00\x00\x00\x00\x00"    // next_attempt 5000 ms
    "\x01\x00\x00\x00" "t"                // tag
    "\x01\x00\x00\x00" "a"                // app
    "\x08\x00\x00\x00" "HTTP 503");       // error

TEST_CASE("format 1 records still read", "[store][record][compat]") {
  SECTION("an action reads as not parked") {
    auto s = record::decode_action(make_id(9), v1_action);
    REQUIRE(s);
    REQUIRE(s->order == 5);
    REQUIRE(s->parked.empty());
    const Action& a = s->action;
    REQUIRE(a.id == make_id(9));
    REQUIRE(a.state == ActionState::queued);
    REQUIRE(a.attempts == 2);
    REQUIRE(a.created == at(1000));
    REQUIRE(a.updated == at(2000));
    REQUIRE(a.next_attempt == at(3000));
    REQUIRE_FALSE(a.response_status);
    REQUIRE(a.app == "mail");
    REQUIRE(a.tag == "T");
    REQUIRE(a.method == "GET");
    REQUIRE(a.url == "http://h/");
    REQUIRE(a.headers == proto::Headers{{"A", "b"}});
    REQUIRE(a.body.empty());
    REQUIRE(a.last_error == "timeout");
    REQUIRE(a.response_headers.empty());
    REQUIRE(a.response_body.empty());
    REQUIRE_FALSE(a.policy.expires_at);
    REQUIRE(a.policy == proto::ActionPolicy{});
    REQUIRE_FALSE(a.held);
    // Written back, it is format 3: the same fields plus an empty destination and an empty policy.
    std::string v3 = v1_action;
    v3[0] = 3;
    v3 += std::string(4, '\0') + std::string(1 + 37 + 4 + 4, '\0');
    REQUIRE(record::encode_action(*s) == v3);
    for (std::size_t n = 0; n < v1_action.size(); ++n) REQUIRE_FALSE(record::decode_action(make_id(9), v1_action.substr(0, n)));
  }
  SECTION("an event reads with online unset and no reason") {
    auto e = record::decode_event(12, v1_event);
    REQUIRE(e);
    REQUIRE(e->seq == 12);
    REQUIRE(e->type == EventType::retry);
    REQUIRE(e->id == make_id(3));
    REQUIRE(e->time == at(1000));
    REQUIRE(e->attempt == 1);
    REQUIRE(e->status == 503);
    REQUIRE(e->next_attempt == at(5000));
    REQUIRE(e->tag == "t");
    REQUIRE(e->app == "a");
    REQUIRE(e->error == "HTTP 503");
    REQUIRE_FALSE(e->online);
    REQUIRE(e->reason.empty());
    REQUIRE_FALSE(e->outcome);
    REQUIRE_FALSE(e->duration);
    // Written back, it is format 3: the same fields plus an empty reason, no outcome (u8 0) and
    // no duration (i64 0).
    std::string v3 = v1_event;
    v3[0] = 3;
    v3 += std::string(4 + 1 + 8, '\0');
    REQUIRE(record::encode_event(*e) == v3);
    // Format 1 had no network events: such a type there is damage, not news.
    std::string network = v1_event;
    network[1] = static_cast<char>(EventType::network);
    REQUIRE_FALSE(record::decode_event(12, network));
    // ...while format 1 bytes with a reason appended are not format 1.
    REQUIRE_FALSE(record::decode_event(12, v1_event + std::string(4, '\0')));
  }
}

// Format 2 events, as bgsync wrote them before periodic sync: format 1 plus the online bits in
// the flags and a final `reason`.
const std::string v2_network_event = bytes_of(
    "\x02"                                // format 2
    "\x06"                                // type network
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"  // id all zeros
    "\xe8\x03\x00\x00\x00\x00\x00\x00"    // time 1000 ms
    "\x00\x00\x00\x00"                    // attempt 0
    "\x04"                                // flags: has online (is_online clear: offline)
    "\x00\x00\x00\x00"                    // status (unset)
    "\x00\x00\x00\x00\x00\x00\x00\x00"    // next_attempt (unset)
    "\x00\x00\x00\x00"                    // tag
    "\x00\x00\x00\x00"                    // app
    "\x00\x00\x00\x00"                    // error
    "\x0e\x00\x00\x00" "link eth0 down");  // reason

const std::string v2_sent_event = bytes_of(
    "\x02"                                // format 2
    "\x03"                                // type sent
    "\x00\x00\x00\x00\x00\x00\x70\x00\x80\x00\x00\x00\x00\x00\x00\x03"  // id make_id(3)
    "\xd0\x07\x00\x00\x00\x00\x00\x00"    // time 2000 ms
    "\x02\x00\x00\x00"                    // attempt 2
    "\x02"                                // flags: has status
    "\xc8\x00\x00\x00"                    // status 200
    "\x00\x00\x00\x00\x00\x00\x00\x00"    // next_attempt (unset)
    "\x01\x00\x00\x00" "t"                // tag
    "\x01\x00\x00\x00" "a"                // app
    "\x00\x00\x00\x00"                    // error
    "\x00\x00\x00\x00");                  // reason

TEST_CASE("format 2 event records still read", "[store][record][compat]") {
  SECTION("a network event keeps online and reason; outcome and duration unset") {
    auto e = record::decode_event(8, v2_network_event);
    REQUIRE(e);
    REQUIRE(e->seq == 8);
    REQUIRE(e->type == EventType::network);
    REQUIRE(e->id == ActionId{});
    REQUIRE(e->time == at(1000));
    REQUIRE(e->online == false);
    REQUIRE(e->reason == "link eth0 down");
    REQUIRE_FALSE(e->status);
    REQUIRE_FALSE(e->next_attempt);
    REQUIRE_FALSE(e->outcome);
    REQUIRE_FALSE(e->duration);
    // Written back, it is format 3: the same plus no outcome (u8 0) and no duration (i64 0).
    std::string v3 = v2_network_event;
    v3[0] = 3;
    v3 += std::string(1 + 8, '\0');
    REQUIRE(record::encode_event(*e) == v3);
    for (std::size_t n = 0; n < v2_network_event.size(); ++n) {
      REQUIRE_FALSE(record::decode_event(8, v2_network_event.substr(0, n)));
    }
  }
  SECTION("an action event") {
    auto e = record::decode_event(9, v2_sent_event);
    REQUIRE(e);
    REQUIRE(e->type == EventType::sent);
    REQUIRE(e->id == make_id(3));
    REQUIRE(e->time == at(2000));
    REQUIRE(e->attempt == 2);
    REQUIRE(e->status == 200);
    REQUIRE(e->tag == "t");
    REQUIRE(e->app == "a");
    REQUIRE(e->error.empty());
    REQUIRE_FALSE(e->online);
    REQUIRE(e->reason.empty());
    REQUIRE_FALSE(e->outcome);
    REQUIRE_FALSE(e->duration);
  }
  SECTION("periodic events did not exist, and format 2 has no outcome or duration") {
    std::string periodic = v2_sent_event;
    periodic[1] = static_cast<char>(EventType::periodic);
    REQUIRE_FALSE(record::decode_event(9, periodic));
    REQUIRE_FALSE(record::decode_event(9, v2_sent_event + std::string(1 + 8, '\0')));
  }
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

  Event network;
  network.type = EventType::network;
  network.online = false;
  network.reason = "no route";
  for (const Event& e : {Event{}, network, periodic_event()}) {
    const std::string event = record::encode_event(e);
    for (std::size_t n = 0; n < event.size(); ++n) REQUIRE_FALSE(record::decode_event(1, event.substr(0, n)));
    REQUIRE_FALSE(record::decode_event(1, event + "x"));
    std::string unknown_type = event;
    unknown_type[1] = static_cast<char>(static_cast<int>(EventType::rejected) + 1);
    REQUIRE_FALSE(record::decode_event(1, unknown_type));
    std::string newer = event;
    newer[0] = static_cast<char>(record::event_format + 1);
    REQUIRE_FALSE(record::decode_event(1, newer));
    // The outcome byte sits before the final 8-byte duration: failed + 1 is its largest value.
    std::string bad_outcome = event;
    bad_outcome[event.size() - 9] = static_cast<char>(static_cast<int>(proto::PeriodicOutcome::failed) + 2);
    REQUIRE_FALSE(record::decode_event(1, bad_outcome));
  }
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
  REQUIRE(record::parked_key("a", 1000) < record::parked_key("ab", 1));
  REQUIRE(record::parked_key("a", 1) < record::parked_key("a", 2));
  REQUIRE(record::parked_key("a", 2).starts_with(record::parked_prefix("a")));
  REQUIRE(record::parked_key("a", 2) < "a\x01");  // what parked_destinations() seeks to next
}

}  // namespace
}  // namespace bgsync::store::test
