// Periodic sync on the wire: the new op, event and constraint names, periodic_register's parser
// (every bad argument named) and builder, the ref ops, and round trips of every periodic value.
#include "bgsync/proto/periodic.hpp"
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

// A valid periodic_register message, with the fields of `extra` set over it.
json::object register_message(std::string_view extra = "{}") {
  json::object message = object_of(R"({"op":"periodic_register","tag":"news","min_interval_ms":3600000,)"
                                   R"("url":"https://example.com/feed"})");
  for (const auto& field : object_of(extra)) message[field.key()] = field.value();
  return message;
}

PeriodicRegisterRequest full_request() {
  PeriodicRegisterRequest request;
  request.app = "reader";
  request.tag = "news-\xc3\xa9";
  request.min_interval = 15min;
  request.method = "POST";
  request.url = "https://example.com/feed?since=1";
  request.headers = {{"Accept", "application/json"}, {"X-Dup", "1"}, {"X-Dup", "2"}};
  request.body = R"({"want":"all"})";
  request.network = NetworkConstraint::unmetered;
  request.power = PowerConstraint::not_low_battery;
  return request;
}

PeriodicRegistration full_registration() {
  PeriodicRegistration r;
  r.app = "reader";
  r.tag = "news";
  r.min_interval = 1h;
  r.method = "GET";
  r.url = "https://example.com/feed";
  r.headers = {{"Accept", "application/atom+xml"}, {"X-A", ""}};
  r.body = "caf\xc3\xa9";
  r.network = NetworkConstraint::unmetered;
  r.power = PowerConstraint::not_on_battery;
  r.created = at(1'795'000'000'123);
  r.updated = at(1'795'000'060'456);
  r.last_run = at(1'795'003'600'789);
  r.last_outcome = PeriodicOutcome::failed;
  r.last_status = 503;
  r.last_error = "HTTP 503 Service Unavailable";
  r.consecutive_failures = 2;
  r.next_earliest = at(1'795'003'660'000);
  r.etag = "\"v42\"";
  r.last_modified = "Tue, 24 Nov 2026 20:11:57 GMT";
  r.cached = at(1'795'000'100'000);
  r.running = true;
  r.network_state = ConstraintState{false, "metered (NetworkManager)"};
  r.power_state = ConstraintState{true, "power state unknown (no UPower): treated as satisfied"};
  r.waiting = "metered (NetworkManager)";
  return r;
}

void check_same(const PeriodicRegistration& a, const PeriodicRegistration& b) {
  CHECK(a.app == b.app);
  CHECK(a.tag == b.tag);
  CHECK(a.min_interval == b.min_interval);
  CHECK(a.method == b.method);
  CHECK(a.url == b.url);
  CHECK(a.headers == b.headers);
  CHECK(a.body == b.body);
  CHECK(a.network == b.network);
  CHECK(a.power == b.power);
  CHECK(a.created == b.created);
  CHECK(a.updated == b.updated);
  CHECK(a.last_run == b.last_run);
  CHECK(a.last_outcome == b.last_outcome);
  CHECK(a.last_status == b.last_status);
  CHECK(a.last_error == b.last_error);
  CHECK(a.consecutive_failures == b.consecutive_failures);
  CHECK(a.next_earliest == b.next_earliest);
  CHECK(a.etag == b.etag);
  CHECK(a.last_modified == b.last_modified);
  CHECK(a.cached == b.cached);
  CHECK(a.running == b.running);
  CHECK(a.network_state.satisfied == b.network_state.satisfied);
  CHECK(a.network_state.reason == b.network_state.reason);
  CHECK(a.power_state.satisfied == b.power_state.satisfied);
  CHECK(a.power_state.reason == b.power_state.reason);
  CHECK(a.waiting == b.waiting);
}

}  // namespace

// ---- names -------------------------------------------------------------------------------------

TEST_CASE("periodic ops have stable wire names, appended after reload", "[periodic]") {
  const std::pair<Op, std::string_view> ops[] = {{Op::periodic_register, "periodic_register"},
                                                 {Op::periodic_list, "periodic_list"},
                                                 {Op::periodic_unregister, "periodic_unregister"},
                                                 {Op::periodic_run, "periodic_run"},
                                                 {Op::cache_get, "cache_get"}};
  for (const auto& [op, name] : ops) {
    INFO(name);
    CHECK(to_string(op) == name);
    CHECK(parse_op(name) == op);
    auto request = parse_request(make_request(1, op));
    REQUIRE(request);
    CHECK(request->op == op);
  }
  CHECK(static_cast<int>(Op::reload) == 12);
  CHECK(static_cast<int>(Op::periodic_register) == 13);
  CHECK(static_cast<int>(Op::cache_get) == 17);
  CHECK_FALSE(parse_op("periodic"));
  CHECK_FALSE(parse_op("Periodic_register"));
}

TEST_CASE("event types, outcomes and constraints round-trip by name", "[periodic]") {
  for (std::size_t i = 0; i < 8; ++i) {
    const auto type = static_cast<EventType>(i);
    CHECK(parse_event_type(to_string(type)) == type);
  }
  CHECK(to_string(EventType::periodic) == "periodic");
  CHECK(static_cast<int>(EventType::periodic) == static_cast<int>(EventType::network) + 1);

  CHECK(to_string(PeriodicOutcome::updated) == "updated");
  CHECK(to_string(PeriodicOutcome::not_modified) == "not_modified");
  CHECK(to_string(PeriodicOutcome::failed) == "failed");
  for (std::size_t i = 0; i < 3; ++i) {
    const auto outcome = static_cast<PeriodicOutcome>(i);
    CHECK(parse_periodic_outcome(to_string(outcome)) == outcome);
  }
  CHECK_FALSE(parse_periodic_outcome("Updated"));

  CHECK(to_string(NetworkConstraint::any) == "any");
  CHECK(to_string(NetworkConstraint::unmetered) == "unmetered");
  CHECK(parse_network_constraint("unmetered") == NetworkConstraint::unmetered);
  CHECK(parse_network_constraint("any") == NetworkConstraint::any);
  CHECK_FALSE(parse_network_constraint("wifi"));
  CHECK(to_string(PowerConstraint::any) == "any");
  CHECK(to_string(PowerConstraint::not_on_battery) == "not_on_battery");
  CHECK(to_string(PowerConstraint::not_low_battery) == "not_low_battery");
  for (std::size_t i = 0; i < 3; ++i) {
    const auto power = static_cast<PowerConstraint>(i);
    CHECK(parse_power_constraint(to_string(power)) == power);
  }
  CHECK_FALSE(parse_power_constraint(""));
}

// ---- periodic_register -------------------------------------------------------------------------

TEST_CASE("periodic_register: the builder and the parser agree", "[periodic]") {
  PeriodicRegisterRequest request = full_request();
  const json::object message = through_the_wire(make_periodic_register(21, request));
  CHECK(message.at("op") == "periodic_register");
  CHECK(message.at("min_interval_ms") == 900000);
  CHECK(message.at("network") == "unmetered");
  CHECK(message.at("power") == "not_low_battery");
  CHECK(message.at("body") == R"({"want":"all"})");
  auto parsed = parse_periodic_register(message);
  REQUIRE(parsed);
  CHECK(parsed->app == request.app);
  CHECK(parsed->tag == request.tag);
  CHECK(parsed->min_interval == request.min_interval);
  CHECK(parsed->method == request.method);
  CHECK(parsed->url == request.url);
  CHECK(parsed->headers == request.headers);
  CHECK(parsed->body == request.body);
  CHECK(parsed->network == request.network);
  CHECK(parsed->power == request.power);

  request.body = std::string("\0\x80\xff", 3);
  const json::object binary = through_the_wire(make_periodic_register(22, request));
  CHECK_FALSE(binary.contains("body"));
  CHECK(binary.at("body_base64") == "AID/");
  CHECK(parse_periodic_register(binary)->body == request.body);

  // The default app and an empty body are left out, and read back as such.
  request = PeriodicRegisterRequest{};
  request.tag = "t";
  request.min_interval = 1ms;
  request.url = "http://localhost:8080/x";
  const json::object minimal = through_the_wire(make_periodic_register(23, request));
  CHECK_FALSE(minimal.contains("app"));
  CHECK_FALSE(minimal.contains("body"));
  CHECK_FALSE(minimal.contains("headers"));
  auto back = parse_periodic_register(minimal);
  REQUIRE(back);
  CHECK(back->app.empty());
  CHECK(back->min_interval == 1ms);
  CHECK(back->method == "GET");
}

TEST_CASE("periodic_register: defaults and nulls", "[periodic]") {
  auto minimal = parse_periodic_register(register_message());
  REQUIRE(minimal);
  CHECK(minimal->app.empty());
  CHECK(minimal->tag == "news");
  CHECK(minimal->min_interval == 1h);
  CHECK(minimal->method == "GET");
  CHECK(minimal->headers.empty());
  CHECK(minimal->body.empty());
  CHECK(minimal->network == NetworkConstraint::any);
  CHECK(minimal->power == PowerConstraint::any);

  auto nulls = parse_periodic_register(
      register_message(R"({"app":null,"method":null,"headers":null,"body":null,"network":null,"power":null})"));
  REQUIRE(nulls);
  CHECK(nulls->method == "GET");
  CHECK(nulls->network == NetworkConstraint::any);
  CHECK(nulls->power == PowerConstraint::any);

  auto explicit_any = parse_periodic_register(register_message(R"({"network":"any","power":"not_on_battery"})"));
  REQUIRE(explicit_any);
  CHECK(explicit_any->power == PowerConstraint::not_on_battery);

  // Ten years is the most an interval may be.
  CHECK(parse_periodic_register(register_message(R"({"min_interval_ms":315360000000})")));
}

TEST_CASE("periodic_register: every bad argument is named", "[periodic]") {
  json::object no_tag = register_message();
  no_tag.erase("tag");
  CHECK(failure(parse_periodic_register(no_tag)) ==
        std::pair{errc::missing_field, std::string("missing field \"tag\"")});
  no_tag["tag"] = nullptr;
  CHECK(failure(parse_periodic_register(no_tag)).first == errc::missing_field);

  auto empty_tag = failure(parse_periodic_register(register_message(R"({"tag":""})")));
  CHECK(empty_tag.first == errc::bad_field);
  CHECK_THAT(empty_tag.second, Catch::StartsWith("field \"tag\" must not be empty"));
  CHECK(failure(parse_periodic_register(register_message(R"({"tag":7})"))).first == errc::bad_field);
  CHECK(failure(parse_periodic_register(register_message(R"({"tag":"a\nb"})"))).first == errc::bad_field);
  CHECK(failure(parse_periodic_register(register_message(R"({"app":"a\u0001"})"))).first == errc::bad_field);

  json::object no_interval = register_message();
  no_interval.erase("min_interval_ms");
  CHECK(failure(parse_periodic_register(no_interval)) ==
        std::pair{errc::missing_field, std::string("missing field \"min_interval_ms\"")});
  for (const char* bad : {"0", "-1", "-3600000", "1.5", "60000.0", "\"60000\"", "true", "[1]",
                          "315360000001", "18446744073709551615"}) {
    INFO(bad);
    const auto [code, message] =
        failure(parse_periodic_register(register_message(std::string(R"({"min_interval_ms":)") + bad + "}")));
    CHECK(code == errc::bad_field);
    CHECK_THAT(message, Catch::StartsWith("field \"min_interval_ms\" must be"));
  }

  const auto network = failure(parse_periodic_register(register_message(R"({"network":"wifi"})")));
  CHECK(network == std::pair{errc::bad_field, std::string("field \"network\" must be one of any, unmetered")});
  CHECK(failure(parse_periodic_register(register_message(R"({"network":1})"))).first == errc::bad_field);
  const auto power = failure(parse_periodic_register(register_message(R"({"power":"charging"})")));
  CHECK(power ==
        std::pair{errc::bad_field, std::string("field \"power\" must be one of any, not_on_battery, not_low_battery")});

  json::object no_url = register_message();
  no_url.erase("url");
  CHECK(failure(parse_periodic_register(no_url)) ==
        std::pair{errc::missing_field, std::string("missing field \"url\"")});
  CHECK(failure(parse_periodic_register(register_message(R"({"url":"ftp://example.com/"})"))) ==
        std::pair{errc::bad_url, std::string("bad URL \"ftp://example.com/\": scheme must be http or https")});
  CHECK(failure(parse_periodic_register(register_message(R"({"url":"/feed"})"))).first == errc::bad_url);
  CHECK(failure(parse_periodic_register(register_message(R"({"method":"GE T"})"))).first == errc::bad_method);

  const auto crlf = failure(parse_periodic_register(register_message(R"({"headers":[["X-A","1\r\nX-B: 2"]]})")));
  CHECK(crlf.first == errc::bad_header);
  CHECK_THAT(crlf.second, Catch::Contains("\"X-A\"") && Catch::Contains("CR"));
  CHECK(failure(parse_periodic_register(register_message(R"({"headers":[["X-A","a\nb"]]})"))).first ==
        errc::bad_header);
  CHECK(failure(parse_periodic_register(register_message(R"({"headers":[["host","x"]]})"))).first == errc::bad_header);
  CHECK(failure(parse_periodic_register(register_message(R"({"headers":[["X-A"]]})"))).first == errc::bad_field);
  CHECK(failure(parse_periodic_register(register_message(R"({"body":"a","body_base64":"YQ=="})"))).first ==
        errc::bad_field);
  CHECK(failure(parse_periodic_register(register_message(R"({"body_base64":"not base64!"})"))).first ==
        errc::bad_field);

  // The header limits of enqueue apply.
  json::array many;
  for (std::size_t i = 0; i <= max_header_count; ++i) many.push_back(json::array{"X-N", "v"});
  json::object too_many = register_message();
  too_many["headers"] = many;
  CHECK(failure(parse_periodic_register(too_many)).first == errc::bad_header);
}

TEST_CASE("validate_periodic_register checks what syncctl would send", "[periodic]") {
  PeriodicRegisterRequest request = full_request();
  CHECK(validate_periodic_register(request));

  request.tag.clear();
  CHECK(failure(validate_periodic_register(request)).first == errc::bad_field);
  request = full_request();
  request.tag = std::string(max_tag_size + 1, 't');
  CHECK(failure(validate_periodic_register(request)).first == errc::bad_field);

  for (const auto interval : {0ms, -1ms, std::chrono::milliseconds{315'360'000'001}}) {
    request = full_request();
    request.min_interval = interval;
    const auto [code, message] = failure(validate_periodic_register(request));
    CHECK(code == errc::bad_field);
    CHECK_THAT(message, Catch::StartsWith("field \"min_interval_ms\""));
  }

  request = full_request();
  request.url = "https://example.com/#top";
  CHECK(failure(validate_periodic_register(request)).first == errc::bad_url);
  request = full_request();
  request.headers.push_back({"Content-Length", "3"});
  CHECK(failure(validate_periodic_register(request)).first == errc::bad_header);
  request = full_request();
  request.headers = {{"X-Big", std::string(max_headers_size, 'v')}};
  CHECK(failure(validate_periodic_register(request)).first == errc::bad_header);
  request = full_request();
  request.method.clear();
  CHECK(failure(validate_periodic_register(request)).first == errc::bad_method);
  request = full_request();
  request.body = std::string("\xff\xfe", 2);  // any bytes
  CHECK(validate_periodic_register(request));
}

// ---- periodic_list, unregister, run, cache_get ----------------------------------------------------

TEST_CASE("periodic_list: no app lists every app, an app only its own", "[periodic]") {
  const json::object all = through_the_wire(make_periodic_list(3, PeriodicListQuery{}));
  CHECK(json::serialize(all) == R"({"id":3,"op":"periodic_list"})");
  auto every = parse_periodic_list(all);
  REQUIRE(every);
  CHECK_FALSE(every->app);

  auto reader = parse_periodic_list(through_the_wire(make_periodic_list(4, PeriodicListQuery{"reader"})));
  REQUIRE(reader);
  CHECK(reader->app == "reader");
  auto default_app = parse_periodic_list(through_the_wire(make_periodic_list(5, PeriodicListQuery{""})));
  REQUIRE(default_app);
  CHECK(default_app->app == "");

  auto null_app = parse_periodic_list(object_of(R"({"op":"periodic_list","app":null})"));
  REQUIRE(null_app);
  CHECK_FALSE(null_app->app);
  CHECK(failure(parse_periodic_list(object_of(R"({"op":"periodic_list","app":5})"))).first == errc::bad_field);
  CHECK(failure(parse_periodic_list(object_of(R"({"op":"periodic_list","app":"a\tb"})"))).first == errc::bad_field);
}

TEST_CASE("periodic_unregister, periodic_run and cache_get name a registration", "[periodic]") {
  for (const Op op : {Op::periodic_unregister, Op::periodic_run, Op::cache_get}) {
    INFO(to_string(op));
    const json::object message = through_the_wire(make_periodic_ref(9, op, PeriodicRef{"reader", "news"}));
    auto request = parse_request(message);
    REQUIRE(request);
    CHECK(request->op == op);
    auto ref = parse_periodic_ref(request->message);
    REQUIRE(ref);
    CHECK(ref->app == "reader");
    CHECK(ref->tag == "news");

    const json::object default_app = through_the_wire(make_periodic_ref(10, op, PeriodicRef{"", "news"}));
    CHECK_FALSE(default_app.contains("app"));
    CHECK(parse_periodic_ref(default_app)->app.empty());
  }
  CHECK(failure(parse_periodic_ref(object_of(R"({"op":"periodic_run"})"))) ==
        std::pair{errc::missing_field, std::string("missing field \"tag\"")});
  CHECK(failure(parse_periodic_ref(object_of(R"({"op":"periodic_run","tag":""})"))).first == errc::bad_field);
  CHECK(failure(parse_periodic_ref(object_of(R"({"op":"cache_get","tag":1})"))).first == errc::bad_field);
  CHECK(failure(parse_periodic_ref(object_of(R"({"op":"cache_get","tag":"t","app":false})"))).first ==
        errc::bad_field);
  auto null_app = parse_periodic_ref(object_of(R"({"op":"periodic_unregister","tag":"t","app":null})"));
  REQUIRE(null_app);
  CHECK(null_app->app.empty());
}

// ---- values ------------------------------------------------------------------------------------

TEST_CASE("a periodic registration round-trips with every field", "[periodic]") {
  const PeriodicRegistration registration = full_registration();
  const json::object wire = through_the_wire(to_json(registration));
  CHECK(wire.at("min_interval_ms") == 3600000);
  CHECK(wire.at("last_outcome") == "failed");
  CHECK(wire.at("network_state").at("satisfied") == false);
  CHECK(wire.at("body") == "caf\xc3\xa9");
  auto back = periodic_registration_from_json(wire);
  REQUIRE(back);
  check_same(*back, registration);
}

TEST_CASE("a periodic registration with nothing optional round-trips with nulls", "[periodic]") {
  PeriodicRegistration registration;
  registration.tag = "t";
  registration.min_interval = 60s;
  registration.method = "GET";
  registration.url = "http://localhost/";
  registration.created = registration.updated = registration.next_earliest = at(1'795'000'000'000);
  const json::object wire = through_the_wire(to_json(registration));
  for (const char* field : {"last_run", "last_outcome", "last_status", "last_error", "etag", "last_modified",
                            "cached", "waiting"}) {
    INFO(field);
    REQUIRE(wire.contains(field));
    CHECK(wire.at(field).is_null());
  }
  CHECK(wire.at("app") == "");
  CHECK(wire.at("body") == "");
  CHECK(wire.at("running") == false);
  CHECK(wire.at("consecutive_failures") == 0);
  CHECK(wire.at("network") == "any");
  CHECK(wire.at("power") == "any");
  auto back = periodic_registration_from_json(wire);
  REQUIRE(back);
  check_same(*back, registration);
}

TEST_CASE("binary bodies of registrations and cached responses travel as base64", "[periodic]") {
  PeriodicRegistration registration = full_registration();
  registration.body = std::string("\0\x80\xff", 3);
  const json::object wire = through_the_wire(to_json(registration));
  CHECK_FALSE(wire.contains("body"));
  CHECK(wire.at("body_base64") == "AID/");
  CHECK(periodic_registration_from_json(wire)->body == registration.body);

  CachedResponse cached;
  cached.tag = "img";
  cached.status = 200;
  cached.body = std::string("\x89PNG\r\n\x1a\n\0\0", 10);
  cached.fetched = at(1'795'000'000'000);
  const json::object cached_wire = through_the_wire(to_json(cached));
  CHECK_FALSE(cached_wire.contains("body"));
  CHECK(cached_wire.at("body_base64") == "iVBORw0KGgoAAA==");
  CHECK(cached_response_from_json(cached_wire)->body == cached.body);
}

TEST_CASE("a register result and a list round-trip", "[periodic]") {
  PeriodicRegisterResult result;
  result.registration = full_registration();
  result.replaced = true;
  result.requested_interval = 1500ms;
  const json::object wire = through_the_wire(to_json(result));
  CHECK(wire.at("replaced") == true);
  CHECK(wire.at("requested_interval_ms") == 1500);
  auto back = periodic_register_result_from_json(wire);
  REQUIRE(back);
  CHECK(back->replaced);
  CHECK(back->requested_interval == 1500ms);
  check_same(back->registration, result.registration);

  PeriodicList list;
  list.registrations.push_back(full_registration());
  list.registrations.push_back(full_registration());
  list.registrations.back().tag = "weather";
  list.registrations.back().last_outcome = PeriodicOutcome::not_modified;
  auto list_back = periodic_list_from_json(through_the_wire(to_json(list)));
  REQUIRE(list_back);
  REQUIRE(list_back->registrations.size() == 2);
  check_same(list_back->registrations[0], list.registrations[0]);
  check_same(list_back->registrations[1], list.registrations[1]);

  const json::object empty = to_json(PeriodicList{});
  CHECK(json::serialize(empty) == R"({"registrations":[]})");
  CHECK(periodic_list_from_json(empty)->registrations.empty());
}

TEST_CASE("a cached response round-trips, validated or not", "[periodic]") {
  CachedResponse cached;
  cached.app = "reader";
  cached.tag = "news";
  cached.status = 200;
  cached.headers = {{"Content-Type", "application/atom+xml"}, {"ETag", "\"v42\""}};
  cached.body = "<feed/>";
  cached.fetched = at(1'795'000'000'000);
  const json::object fresh = through_the_wire(to_json(cached));
  CHECK(fresh.at("validated").is_null());
  CHECK(fresh.at("fetched") == "2026-11-18T11:06:40.000Z");
  auto back = cached_response_from_json(fresh);
  REQUIRE(back);
  CHECK(back->app == cached.app);
  CHECK(back->tag == cached.tag);
  CHECK(back->status == 200);
  CHECK(back->headers == cached.headers);
  CHECK(back->body == cached.body);
  CHECK(back->fetched == cached.fetched);
  CHECK_FALSE(back->validated);

  cached.validated = at(1'795'003'600'000);
  auto validated = cached_response_from_json(through_the_wire(to_json(cached)));
  REQUIRE(validated);
  CHECK(validated->validated == cached.validated);
}

TEST_CASE("malformed periodic values are rejected with the field's name", "[periodic]") {
  json::object registration = to_json(full_registration());
  const auto without = [&](std::string_view field) {
    json::object copy = registration;
    copy.erase(field);
    return copy;
  };
  const auto with = [&](std::string_view field, json::value value) {
    json::object copy = registration;
    copy[field] = std::move(value);
    return copy;
  };
  CHECK(failure(periodic_registration_from_json(without("tag"))).second == "missing field \"tag\"");
  CHECK(failure(periodic_registration_from_json(without("min_interval_ms"))).second ==
        "missing field \"min_interval_ms\"");
  CHECK(failure(periodic_registration_from_json(without("next_earliest"))).second == "missing field \"next_earliest\"");
  CHECK(failure(periodic_registration_from_json(without("network_state"))).second == "missing field \"network_state\"");
  CHECK(failure(periodic_registration_from_json(with("min_interval_ms", -5))).first == errc::bad_field);
  CHECK(failure(periodic_registration_from_json(with("network", "wifi"))).second ==
        "field \"network\" must be one of any, unmetered");
  CHECK(failure(periodic_registration_from_json(with("last_outcome", "great"))).second ==
        "field \"last_outcome\" must be one of updated, not_modified, failed");
  CHECK(failure(periodic_registration_from_json(with("power_state", json::object{{"reason", "x"}}))).second ==
        "field \"power_state.satisfied\" must be true or false");
  CHECK(failure(periodic_registration_from_json(with("power_state", "yes"))).first == errc::bad_field);
  CHECK(failure(periodic_registration_from_json(with("cached", "yesterday"))).first == errc::bad_field);

  CHECK(failure(periodic_register_result_from_json(object_of(R"({"replaced":true,"requested_interval_ms":1})")))
            .second == "missing field \"registration\"");
  CHECK(failure(periodic_list_from_json(object_of(R"({"registrations":[1]})"))).first == errc::bad_field);
  CHECK(failure(periodic_list_from_json(object_of("{}"))).second == "missing field \"registrations\"");
  CHECK(failure(cached_response_from_json(object_of(R"({"tag":"t","fetched":"2026-11-24T20:11:57.123Z"})")))
            .second == "missing field \"status\"");

  // Unknown fields of a newer daemon are ignored.
  registration["colour"] = "red";
  CHECK(periodic_registration_from_json(registration));
}

// ---- events ------------------------------------------------------------------------------------

TEST_CASE("periodic events carry the outcome and the duration", "[periodic]") {
  Event event;
  event.seq = 99;
  event.type = EventType::periodic;
  event.tag = "news";
  event.app = "reader";
  event.time = at(1'795'000'000'001);
  event.status = 304;
  event.outcome = PeriodicOutcome::not_modified;
  event.duration = 123ms;
  const json::object wire = through_the_wire(to_json(event));
  CHECK(wire.at("type") == "periodic");
  CHECK(wire.at("id") == "00000000-0000-0000-0000-000000000000");
  CHECK(wire.at("outcome") == "not_modified");
  CHECK(wire.at("duration_ms") == 123);
  auto back = event_from_json(wire);
  REQUIRE(back);
  CHECK(back->type == EventType::periodic);
  CHECK(back->tag == "news");
  CHECK(back->app == "reader");
  CHECK(back->status == 304);
  CHECK(back->outcome == PeriodicOutcome::not_modified);
  CHECK(back->duration == 123ms);

  event.outcome = PeriodicOutcome::failed;
  event.status.reset();
  event.error = "connect: connection refused";
  auto failed = event_from_json(through_the_wire(to_json(event)));
  REQUIRE(failed);
  CHECK(failed->outcome == PeriodicOutcome::failed);
  CHECK(failed->error == "connect: connection refused");

  // Through a subscription push as well.
  auto incoming = parse_incoming(through_the_wire(make_event_push(3, event)));
  REQUIRE(incoming);
  REQUIRE(std::holds_alternative<EventPush>(*incoming));
  CHECK(std::get<EventPush>(*incoming).event.duration == 123ms);
}

TEST_CASE("other events write outcome and duration_ms as null, and readers check them", "[periodic]") {
  Event event;
  event.seq = 1;
  event.type = EventType::sent;
  event.time = at(1'795'000'000'001);
  const json::object wire = to_json(event);
  REQUIRE(wire.contains("outcome"));
  REQUIRE(wire.contains("duration_ms"));
  CHECK(wire.at("outcome").is_null());
  CHECK(wire.at("duration_ms").is_null());
  auto back = event_from_json(wire);
  REQUIRE(back);
  CHECK_FALSE(back->outcome);
  CHECK_FALSE(back->duration);

  // An older daemon's events have neither field.
  json::object old = wire;
  old.erase("outcome");
  old.erase("duration_ms");
  CHECK(event_from_json(old));

  json::object bad = wire;
  bad["outcome"] = "splendid";
  CHECK(failure(event_from_json(bad)).second == "field \"outcome\" must be one of updated, not_modified, failed");
  bad = wire;
  bad["duration_ms"] = -1;
  CHECK(failure(event_from_json(bad)).first == errc::bad_field);
  bad = wire;
  bad["duration_ms"] = 1.5;
  CHECK(failure(event_from_json(bad)).first == errc::bad_field);
}
