// `syncctl periodic ...` as processes against the scripted periodic daemon: the requests they build
// (curl semantics, durations, constraints, the default app), what they print (tables, constraint
// states, floors, outcomes) and their exit statuses. `cache get` and watch: syncctl_cache_test.cpp.

#include "tests/client/periodic_daemon.hpp"
#include "tests/client/syncctl_process.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using bgsync::test::op_of;
using bgsync::test::PeriodicDaemon;
using bgsync::test::push;
using bgsync::test::syncctl;
using bgsync::test::wire_time;

std::string header_of(const json::object& request, std::string_view name) {
  for (const auto& pair : request.at("headers").as_array()) {
    if (pair.as_array().at(0).as_string() == name) return std::string(pair.as_array().at(1).as_string());
  }
  return "<absent>";
}

}  // namespace

TEST_CASE("syncctl periodic and cache: help for every command, usage errors before connecting", "[syncctl][periodic]") {
  for (const auto& command : std::vector<std::vector<std::string>>{{"periodic"},
                                                                    {"periodic", "register"},
                                                                    {"periodic", "list"},
                                                                    {"periodic", "unregister"},
                                                                    {"periodic", "run"},
                                                                    {"cache"},
                                                                    {"cache", "get"}}) {
    auto args = command;
    args.push_back("--help");
    auto help = syncctl(args);
    INFO(args.front() << " " << args.at(1));
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("EXAMPLES") && Catch::Contains("syncctl " + command.front()));
  }

  PeriodicDaemon daemon;
  const auto usage = [&](std::vector<std::string> args, std::string_view message) {
    args.insert(args.end(), {"--socket", daemon.path()});
    auto outcome = syncctl(args);
    INFO(outcome.err);
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Catch::StartsWith("syncctl: ") && Catch::Contains(std::string(message)));
  };
  usage({"periodic"}, "subcommand is required");
  usage({"periodic", "register", "news", "https://example.com/"}, "--every");
  usage({"periodic", "register", "news", "--every", "soon", "https://example.com/"}, "1h30m");
  usage({"periodic", "register", "news", "--every", "0s", "https://example.com/"}, "--every");
  usage({"periodic", "register", "news", "--every", "30m1h", "https://example.com/"}, "--every");
  usage({"periodic", "register", "news", "--every", "1m", "--network", "wifi", "https://example.com/"}, "unmetered");
  usage({"periodic", "register", "news", "--every", "1m", "--power", "solar", "https://example.com/"}, "not_on_battery");
  usage({"periodic", "register", "news", "--every", "1m", "ftp://example.com/"}, "http");
  usage({"periodic", "register", "news", "--every", "1m", "-H", "Host: x", "https://example.com/"}, "Host");
  usage({"periodic", "register", "", "--every", "1m", "https://example.com/"}, "tag");
  usage({"periodic", "run", "news", "--timeout", "5s"}, "--wait");
  usage({"periodic", "run", "news", "--wait", "--timeout", "later"}, "--timeout");
  usage({"cache", "get"}, "tag");
  CHECK(daemon.connections() == 0);
}

TEST_CASE("syncctl periodic register builds the request and says what bgsyncd made of it", "[syncctl][periodic]") {
  PeriodicDaemon daemon;
  SECTION("defaults: GET, app syncctl, no constraints; next run now") {
    auto outcome = syncctl({"periodic", "register", "news", "--every", "15m", "https://example.com/news.json",
                            "--socket", daemon.path()});
    INFO(outcome.err);
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "registered \"news\" every 15m (next run: now)\n");
    const auto request = daemon.last();
    CHECK(op_of(request) == "periodic_register");
    CHECK(request.at("tag").as_string() == "news");
    CHECK(request.at("app").as_string() == "syncctl");
    CHECK(request.at("min_interval_ms").to_number<std::int64_t>() == 900'000);
    CHECK(request.at("url").as_string() == "https://example.com/news.json");
    CHECK(request.at("method").as_string() == "GET");
    CHECK(request.at("network").as_string() == "any");
    CHECK(request.at("power").as_string() == "any");
  }
  SECTION("curl options, constraints, a compound duration, another app; replaced; later run") {
    auto outcome = syncctl({"periodic", "register", "again", "--every", "1h30m", "--network", "unmetered", "--power",
                            "not_low_battery", "-H", "Accept:  text/xml", "-d", "a=1", "--data-raw", "@b",
                            "--app", "reader", "https://example.com/feed", "--socket", daemon.path()});
    INFO(outcome.err);
    CHECK(outcome.status == 0);
    CHECK_THAT(outcome.out, Catch::StartsWith("replaced \"again\" (app reader) every 1h30m (next run: in 1"));
    const auto request = daemon.last();
    CHECK(request.at("min_interval_ms").to_number<std::int64_t>() == 5'400'000);
    CHECK(request.at("network").as_string() == "unmetered");
    CHECK(request.at("power").as_string() == "not_low_battery");
    CHECK(request.at("method").as_string() == "POST");
    CHECK(request.at("body").as_string() == "a=1&@b");
    CHECK(request.at("app").as_string() == "reader");
    CHECK(header_of(request, "Accept") == "text/xml");
    CHECK(header_of(request, "Content-Type") == "application/x-www-form-urlencoded");
  }
  SECTION("an interval under the floor: the daemon's floor is reported") {
    auto outcome = syncctl({"periodic", "register", "fast", "--every", "10s", "https://example.com/",
                            "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK_THAT(outcome.out, Catch::StartsWith("registered \"fast\" every 1m (next run: now)\n") &&
                                Catch::Contains("raised the interval from 10s to its floor, 1m"));
  }
  SECTION("--json prints the result object") {
    auto outcome = syncctl({"--json", "periodic", "register", "news", "--every", "2m", "https://example.com/",
                            "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    auto document = json::parse(outcome.out);
    CHECK(document.at("replaced").as_bool() == false);
    CHECK(document.at("requested_interval_ms").to_number<std::int64_t>() == 120'000);
    CHECK(document.at("registration").at("tag").as_string() == "news");
  }
}

TEST_CASE("syncctl periodic list shows runs, outcomes, next runs and constraint states", "[syncctl][periodic]") {
  PeriodicDaemon daemon;
  SECTION("nothing registered") {
    auto outcome = syncctl({"periodic", "list", "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "no periodic registrations\n");
    CHECK_FALSE(daemon.last().contains("app"));
    auto of_app = syncctl({"periodic", "list", "--app", "reader", "--socket", daemon.path()});
    CHECK(of_app.out == "no periodic registrations of app reader\n");
    CHECK(daemon.last().at("app").as_string() == "reader");
  }
  SECTION("a table with a line per thing to know") {
    auto news = bgsync::test::sample_registration("news");
    news["last_run"] = wire_time(std::chrono::minutes(-3));
    news["last_outcome"] = "updated";
    news["last_status"] = 200;
    news["next_earliest"] = wire_time(std::chrono::minutes(12));
    news["network"] = "unmetered";
    news["network_state"] = {{"satisfied", true}, {"reason", "unknown (NetworkManager is not running): treated as satisfied"}};
    auto feed = bgsync::test::sample_registration("feed");
    feed["app"] = "reader";
    feed["power"] = "not_on_battery";
    feed["power_state"] = {{"satisfied", false}, {"reason", "on battery (UPower)"}};
    feed["waiting"] = "on battery (UPower)";
    feed["last_run"] = wire_time(std::chrono::hours(-2));
    feed["last_outcome"] = "failed";
    feed["last_status"] = 503;
    feed["last_error"] = "HTTP 503 Service Unavailable";
    feed["consecutive_failures"] = 3;
    feed["next_earliest"] = wire_time(std::chrono::hours(-1));
    auto running = bgsync::test::sample_registration("live");
    running["running"] = true;
    running["network"] = "unmetered";
    running["network_state"] = {{"satisfied", true}, {"reason", "not metered (NetworkManager)"}};
    daemon.set_registrations(json::array{news, feed, running});

    auto outcome = syncctl({"periodic", "list", "--socket", daemon.path()});
    INFO(outcome.out);
    CHECK(outcome.status == 0);
    for (const char* column : {"TAG", "APP", "EVERY", "LAST RUN", "OUTCOME", "NEXT", "CONSTRAINTS", "URL"}) {
      CHECK_THAT(outcome.out, Catch::StartsWith("TAG") && Catch::Contains(column));
    }
    std::istringstream lines(outcome.out);
    std::vector<std::string> text;
    for (std::string line; std::getline(lines, line);) text.push_back(line);
    REQUIRE(text.size() == 8);
    CHECK_THAT(text[1], Catch::StartsWith("news") && Catch::Contains("15m") && Catch::Contains("3m ago") &&
                            Catch::Contains("updated 200") && Catch::Contains("in 1") &&
                            Catch::Contains("network unmetered: unknown, treated as satisfied") &&
                            Catch::Contains("https://example.com/news"));
    CHECK(text[2] == "    network state: unknown (NetworkManager is not running): treated as satisfied");
    CHECK_THAT(text[3], Catch::StartsWith("feed") && Catch::Contains("reader") && Catch::Contains("2h ago") &&
                            Catch::Contains("failed 503") && Catch::Contains("due") &&
                            Catch::Contains("power not_on_battery: on battery (UPower)"));
    CHECK(text[4] == "    waiting: on battery (UPower)");
    CHECK(text[5] == "    last error (3 failures in a row): HTTP 503 Service Unavailable");
    CHECK_THAT(text[6], Catch::StartsWith("live") && Catch::Contains("never") && Catch::Contains("running") &&
                            Catch::Contains("network unmetered: ok"));
    CHECK(text[7] == "-- 3 registrations");

    auto machine = syncctl({"periodic", "list", "--json", "--socket", daemon.path()});
    CHECK(machine.status == 0);
    auto array = json::parse(machine.out).as_array();
    REQUIRE(array.size() == 3);
    CHECK(array[1].at("waiting").as_string() == "on battery (UPower)");
  }
}

TEST_CASE("syncctl periodic unregister and run", "[syncctl][periodic]") {
  PeriodicDaemon daemon;
  SECTION("unregister: the app defaults to syncctl; not found exits 1 with a hint") {
    auto outcome = syncctl({"periodic", "unregister", "news", "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "unregistered \"news\"\n");
    CHECK(op_of(daemon.last()) == "periodic_unregister");
    CHECK(daemon.last().at("app").as_string() == "syncctl");
    CHECK(daemon.last().at("tag").as_string() == "news");

    auto other = syncctl({"periodic", "unregister", "--app", "reader", "news", "--socket", daemon.path(), "--json"});
    CHECK(other.status == 0);
    CHECK(json::parse(other.out).at("app").as_string() == "reader");

    auto missing = syncctl({"periodic", "unregister", "gone", "--socket", daemon.path()});
    CHECK(missing.status == 1);
    CHECK_THAT(missing.err, Catch::StartsWith("syncctl: no periodic registration \"gone\"") && Catch::Contains("--app"));
    auto missing_of_app = syncctl({"periodic", "unregister", "gone", "--app", "x", "--socket", daemon.path()});
    CHECK(missing_of_app.status == 1);
    CHECK_THAT(missing_of_app.err, !Catch::Contains("--app"));
  }
  SECTION("run without --wait starts it and returns") {
    auto outcome = syncctl({"periodic", "run", "news", "--socket", daemon.path()});
    CHECK(outcome.status == 0);
    CHECK_THAT(outcome.out, Catch::StartsWith("started a run of \"news\""));
    CHECK(op_of(daemon.last()) == "periodic_run");
    CHECK(daemon.last().at("app").as_string() == "syncctl");
  }
  SECTION("run --wait subscribes first, skips other events, prints the outcome") {
    auto unrelated = bgsync::test::sample_event(10, "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a");
    auto other_app = bgsync::test::sample_periodic_event(11, "news");  // app "test"
    auto ours = bgsync::test::sample_periodic_event(12, "news");
    ours["app"] = "syncctl";
    ours["duration_ms"] = 1234;
    daemon.set_after_run(push(unrelated) + push(other_app) + push(ours));
    auto outcome = syncctl({"periodic", "run", "news", "--wait", "--socket", daemon.path()});
    INFO(outcome.err);
    CHECK(outcome.status == 0);
    CHECK(outcome.out == "ran \"news\": updated, HTTP 200, took 1.2s\n");
    const auto requests = daemon.requests();
    REQUIRE(requests.size() == 2);
    CHECK(op_of(requests[0]) == "subscribe");
    CHECK(requests[0].at("tag").as_string() == "news");
    CHECK(op_of(requests[1]) == "periodic_run");
  }
  SECTION("run --wait: a failed outcome exits 1; --json prints the event") {
    auto ours = bgsync::test::sample_periodic_event(12, "news");
    ours["app"] = "syncctl";
    ours["outcome"] = "failed";
    ours["status"] = 503;
    ours["error"] = "HTTP 503 Service Unavailable";
    daemon.set_after_run(push(ours));
    auto outcome = syncctl({"periodic", "run", "news", "--wait", "--socket", daemon.path()});
    CHECK(outcome.status == 1);
    CHECK(outcome.out == "ran \"news\": failed, HTTP 503, took 152ms: HTTP 503 Service Unavailable\n");
    auto machine = syncctl({"periodic", "run", "news", "--wait", "--json", "--socket", daemon.path()});
    CHECK(machine.status == 1);
    CHECK(json::parse(machine.out).at("outcome").as_string() == "failed");
  }
  SECTION("run --wait gives up after --timeout") {
    auto outcome = syncctl({"periodic", "run", "news", "--wait", "--timeout", "300ms", "--socket", daemon.path()});
    CHECK(outcome.status == 1);
    CHECK_THAT(outcome.err, Catch::Contains("no outcome") && Catch::Contains("300ms"));
  }
  SECTION("run of a registration that does not exist") {
    auto outcome = syncctl({"periodic", "run", "gone", "--wait", "--socket", daemon.path()});
    CHECK(outcome.status == 1);
    CHECK_THAT(outcome.err, Catch::Contains("no periodic registration"));
  }
}
