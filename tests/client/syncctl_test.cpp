// syncctl as a process: parsing, exit statuses and error lines with no daemon, global options in
// either position, and the requests it builds (curl semantics) and output it prints against the fake.

#include "tests/client/fake_server.hpp"
#include "tests/client/syncctl_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace {

namespace json = boost::json;
using bgsync::test::Answer;
using bgsync::test::FakeServer;
using bgsync::test::Outcome;
using bgsync::test::Process;
using bgsync::test::syncctl;

constexpr std::string_view some_id = "0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a";

}  // namespace

TEST_CASE("syncctl --help, --version and command help exit 0", "[syncctl]") {
  auto help = syncctl({"--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("EXAMPLES") && Catch::Contains("EXIT STATUS") && Catch::Contains("enqueue") &&
                           Catch::Contains("--socket") && Catch::Contains("--json"));

  auto version = syncctl({"--version"});
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith("syncctl "));

  for (const char* command : {"enqueue", "status", "list", "show", "cancel", "retry", "pause", "resume", "watch",
                              "config", "reload", "paths", "periodic", "cache"}) {
    auto sub = syncctl({command, "--help"});
    INFO(command);
    CHECK(sub.status == 0);
    CHECK_THAT(sub.out, Catch::Contains("EXAMPLES"));
  }

  // syncctl builds only the command it is given (main.cpp): every form of naming it still reaches it,
  // and `--help` after global options still lists them all.
  for (const auto& args : {std::vector<std::string>{"--json", "enqueue", "--help"},
                           std::vector<std::string>{"--socket", "/x", "enqueue", "--help"},
                           std::vector<std::string>{"--socket=/x", "--json", "enqueue", "--help"}}) {
    auto sub = syncctl(args);
    INFO(args[0]);
    CHECK(sub.status == 0);
    CHECK_THAT(sub.out, Catch::Contains("Usage: syncctl enqueue"));
  }
  auto all = syncctl({"--json", "--help"});
  CHECK(all.status == 0);
  CHECK_THAT(all.out, Catch::Contains("periodic") && Catch::Contains("cache"));
}

TEST_CASE("syncctl usage errors exit 2 with one syncctl: line", "[syncctl]") {
  SECTION("an unknown option") {
    auto outcome = syncctl({"--bogus", "status"});
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Catch::StartsWith("syncctl: "));
  }
  SECTION("an unknown option after the command") {
    CHECK(syncctl({"status", "--bogus"}).status == 2);
  }
  SECTION("no command") { CHECK(syncctl({}).status == 2); }
  SECTION("an unknown command") {
    auto outcome = syncctl({"--socket", "/x", "bogus"});
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Catch::StartsWith("syncctl: "));
  }
  SECTION("an ftp URL is refused before connecting") {
    auto outcome = syncctl({"enqueue", "ftp://x"});
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Catch::StartsWith("syncctl: ") && Catch::Contains("http"));
  }
  SECTION("a header without a colon") {
    auto outcome = syncctl({"enqueue", "-H", "NoColon", "https://example.com/"});
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Catch::Contains("Name: value"));
  }
  SECTION("a daemon-owned header") {
    CHECK(syncctl({"enqueue", "-H", "Host: evil", "https://example.com/"}).status == 2);
  }
  SECTION("a missing data file") {
    CHECK(syncctl({"enqueue", "-d", "@/nonexistent/file", "https://example.com/"}).status == 2);
  }
  SECTION("show with something that is not an id") {
    auto outcome = syncctl({"show", "not-an-id"});
    CHECK(outcome.status == 2);
    CHECK_THAT(outcome.err, Catch::Contains("not an action id"));
  }
  SECTION("cancel with neither an id nor --tag") { CHECK(syncctl({"cancel"}).status == 2); }
  SECTION("list --limit out of range") { CHECK(syncctl({"list", "--limit", "0"}).status == 2); }
  SECTION("list --state unknown") { CHECK(syncctl({"list", "--state", "bogus"}).status == 2); }
}

TEST_CASE("syncctl with no daemon exits 3, global options in either position", "[syncctl]") {
  auto after = syncctl({"status", "--socket", "/nonexistent"});
  CHECK(after.status == 3);
  CHECK_THAT(after.err, Catch::StartsWith("syncctl: bgsyncd is not running") && Catch::Contains("/nonexistent"));
  CHECK(std::count(after.err.begin(), after.err.end(), '\n') == 1);

  CHECK(syncctl({"--json", "--socket", "/nonexistent", "status"}).status == 3);
  CHECK(syncctl({"status", "--socket", "/nonexistent", "--json"}).status == 3);
  CHECK(syncctl({"--socket=/nonexistent", "list", "--json", "--tag", "t"}).status == 3);
  // enqueue would spool (tests/e2e/spool_test.cpp); --no-spool asks for the error.
  CHECK(syncctl({"enqueue", "--no-spool", "https://example.com/", "--socket", "/nonexistent"}).status == 3);

  // Without --socket, BGSYNC_SOCKET (pointing nowhere in Process) is used.
  auto env = syncctl({"pause"});
  CHECK(env.status == 3);
  CHECK_THAT(env.err, Catch::Contains("no-daemon.sock"));
}

TEST_CASE("syncctl enqueue builds the request like curl", "[syncctl]") {
  std::mutex mutex;
  std::vector<json::object> enqueued;
  FakeServer server(FakeServer::with_hello([&](const json::object& request) {
    std::lock_guard lock(mutex);
    enqueued.push_back(request);
    auto action = bgsync::test::sample_action(some_id);
    return Answer::send(bgsync::test::ok_reply(request, {{"action", action}}));
  }));
  bgsync::test::TempDir files;
  const std::string text_file = (files / "form.txt").string();
  const std::string binary_file = (files / "blob.bin").string();
  std::ofstream(text_file, std::ios::binary) << "a=1\r\nb=2\n";
  std::ofstream(binary_file, std::ios::binary) << "line1\r\nline2\n";

  auto last = [&] {
    std::lock_guard lock(mutex);
    REQUIRE_FALSE(enqueued.empty());
    return enqueued.back();
  };
  auto header = [](const json::object& request, std::string_view name) -> std::string {
    for (const auto& pair : request.at("headers").as_array()) {
      if (pair.as_array().at(0).as_string() == name) return std::string(pair.as_array().at(1).as_string());
    }
    return "<absent>";
  };

  SECTION("a plain GET prints just the id") {
    auto outcome = syncctl({"--socket", server.path(), "enqueue", "https://example.com/ping"});
    CHECK(outcome.status == 0);
    CHECK(outcome.out == std::string(some_id) + "\n");
    const auto request = last();
    CHECK(request.at("method").as_string() == "GET");
    CHECK(request.at("url").as_string() == "https://example.com/ping");
    CHECK(request.at("app").as_string() == "syncctl");
  }
  SECTION("-d implies POST and a form content type; several -d join with &") {
    auto outcome = syncctl({"enqueue", "-d", "x=1", "--data", "y=2", "https://example.com/form", "--socket", server.path()});
    CHECK(outcome.status == 0);
    const auto request = last();
    CHECK(request.at("method").as_string() == "POST");
    CHECK(request.at("body").as_string() == "x=1&y=2");
    CHECK(header(request, "Content-Type") == "application/x-www-form-urlencoded");
  }
  SECTION("-X, -H trimming, --tag, --app; an explicit Content-Type wins") {
    auto outcome = syncctl({"enqueue", "-X", "PUT", "-H", "Content-Type:   application/json", "-H", "X-Note: a: b",
                            "-d", "{}", "--tag", "notes", "--app", "me", "https://example.com/n", "--socket",
                            server.path()});
    CHECK(outcome.status == 0);
    const auto request = last();
    CHECK(request.at("method").as_string() == "PUT");
    CHECK(header(request, "Content-Type") == "application/json");
    CHECK(header(request, "X-Note") == "a: b");
    CHECK(request.at("tag").as_string() == "notes");
    CHECK(request.at("app").as_string() == "me");
  }
  SECTION("-d @file drops CR/LF; --data-binary @file keeps bytes; order is kept across both") {
    auto outcome = syncctl({"enqueue", "--data-binary", "@" + binary_file, "-d", "@" + text_file,
                            "https://example.com/f", "--socket", server.path()});
    CHECK(outcome.status == 0);
    CHECK(last().at("body").as_string() == "line1\r\nline2\n&a=1b=2");
  }
  SECTION("--data-binary @- reads stdin") {
    auto outcome = syncctl({"enqueue", "--data-binary", "@-", "https://example.com/s", "--socket", server.path()},
                           binary_file);
    CHECK(outcome.status == 0);
    CHECK(last().at("body").as_string() == "line1\r\nline2\n");
  }
  SECTION("--json prints the action object") {
    auto outcome = syncctl({"enqueue", "https://example.com/j", "--json", "--socket", server.path()});
    CHECK(outcome.status == 0);
    auto document = json::parse(outcome.out);
    CHECK(document.at("id").as_string() == some_id);
    CHECK(document.at("state").as_string() == "queued");
  }
}

TEST_CASE("syncctl output against the fake daemon", "[syncctl]") {
  FakeServer server(FakeServer::with_hello([](const json::object& request) {
    const std::string op(request.at("op").as_string());
    if (op == "status") {
      return Answer::send(bgsync::test::ok_reply(
          request, {{"version", "0.1.0"},
                    {"online", true},
                    {"paused", false},
                    {"counts", {{"queued", 3}, {"sending", 1}, {"sent", 120}, {"failed", 2}, {"cancelled", 0}}},
                    {"last_seq", 131},
                    {"next_attempt", nullptr}}));
    }
    if (op == "list") {
      if (request.contains("tag")) return Answer::send(bgsync::test::ok_reply(request, {{"actions", json::array{}}, {"next", nullptr}}));
      auto failed = bgsync::test::sample_action(some_id);
      failed["state"] = "failed";
      failed["last_error"] = "HTTP 404 Not Found";
      return Answer::send(bgsync::test::ok_reply(request, {{"actions", json::array{failed}}, {"next", nullptr}}));
    }
    if (op == "get") return Answer::send(bgsync::test::error_reply(request, "not_found", "no action " + std::string(some_id)));
    if (op == "pause") return Answer::send(bgsync::test::ok_reply(request, {{"paused", true}}));
    if (op == "cancel") return Answer::send(bgsync::test::ok_reply(request, {{"cancelled", json::array{}}}));
    return Answer::send(bgsync::test::error_reply(request, "unknown_op", "unknown"));
  }));

  SECTION("status, human and JSON") {
    auto human = syncctl({"status", "--socket", server.path()});
    CHECK(human.status == 0);
    CHECK_THAT(human.out, Catch::StartsWith("bgsyncd 0.1.0 — online, not paused") && Catch::Contains("#131"));
    auto machine = syncctl({"status", "--socket", server.path(), "--json"});
    CHECK(machine.status == 0);
    auto document = json::parse(machine.out);
    CHECK(document.at("counts").at("sent").to_number<int>() == 120);
    CHECK(document.at("paused").as_bool() == false);
  }
  SECTION("list: a table with the last error on a second line; empty says so") {
    auto table = syncctl({"list", "--socket", server.path()});
    CHECK(table.status == 0);
    CHECK_THAT(table.out, Catch::StartsWith("ID") && Catch::Contains("failed") &&
                              Catch::Contains("\n    last error: HTTP 404 Not Found\n"));
    auto empty = syncctl({"list", "--tag", "none", "--socket", server.path()});
    CHECK(empty.out == "no actions\n");
    auto array = syncctl({"list", "--json", "--socket", server.path()});
    CHECK(json::parse(array.out).as_array().size() == 1);
  }
  SECTION("a daemon error reply exits 1 with its message") {
    auto outcome = syncctl({"show", std::string(some_id), "--socket", server.path()});
    CHECK(outcome.status == 1);
    CHECK(outcome.err == "syncctl: no action " + std::string(some_id) + "\n");
  }
  SECTION("pause --json and cancel --json") {
    CHECK(json::parse(syncctl({"pause", "--json", "--socket", server.path()}).out).at("paused").as_bool());
    auto cancelled = syncctl({"cancel", "--tag", "t", "--json", "--socket", server.path()});
    CHECK(cancelled.status == 0);
    CHECK(json::parse(cancelled.out).at("cancelled").as_array().empty());
  }
}

TEST_CASE("syncctl watch prints events, exits 3 when the daemon goes, 0 on SIGINT", "[syncctl]") {
  auto push = [](std::uint64_t seq) {
    return json::serialize(json::object{{"event", bgsync::test::sample_event(seq, some_id)}, {"subscription", 1}}) +
           "\n";
  };
  SECTION("the daemon goes away") {
    std::optional<FakeServer> server;
    server.emplace(FakeServer::with_hello([&](const json::object& request) {
      return Answer::send(bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 2}, {"first_seq", 1}}) +
                          push(1) + push(2));
    }));
    // The fake answers subscribe and then keeps the connection; stopping it ends the connection.
    Process process({"watch", "--json", "--since", "0", "--socket", server->path()});
    REQUIRE(bgsync::test::wait_until([&] {
      const auto out = process.out_so_far();
      return std::count(out.begin(), out.end(), '\n') >= 2;
    }, std::chrono::seconds(5)));
    server.reset();
    auto outcome = process.wait();
    CHECK(outcome.status == 3);
    std::istringstream lines(outcome.out);
    std::string line;
    std::uint64_t expected = 1;
    while (std::getline(lines, line)) CHECK(json::parse(line).at("seq").to_number<std::uint64_t>() == expected++);
    CHECK(expected == 3);
  }
  SECTION("SIGINT ends it with exit 0") {
    FakeServer server(FakeServer::with_hello([&](const json::object& request) {
      return Answer::send(bgsync::test::ok_reply(request, {{"subscription", 1}, {"last_seq", 1}, {"first_seq", 1}}) +
                          push(1));
    }));
    Process process({"watch", "--socket", server.path()});
    REQUIRE(bgsync::test::wait_until([&] { return process.out_so_far().find("#1") != std::string::npos; },
                                      std::chrono::seconds(5)));
    process.signal(SIGINT);
    auto outcome = process.wait();
    CHECK(outcome.status == 0);
    CHECK_THAT(outcome.out, Catch::Contains("queued") && Catch::Contains(std::string(some_id)));
  }
}

TEST_CASE("syncctl: an unknown command is named, with the nearest one, and exits 2", "[syncctl]") {
  auto typo = syncctl({"lsit"});
  CHECK(typo.status == 2);
  CHECK(typo.err == "syncctl: unknown command 'lsit'; did you mean 'list'? (see `syncctl --help`)\n");
  CHECK(typo.out.empty());
  auto after_globals = syncctl({"--socket", "/x", "--json", "stauts", "--bogus"});
  CHECK(after_globals.status == 2);
  CHECK_THAT(after_globals.err, Catch::StartsWith("syncctl: unknown command 'stauts'; did you mean 'status'?"));
  auto far = syncctl({"frobnicate"});
  CHECK(far.status == 2);
  CHECK(far.err == "syncctl: unknown command 'frobnicate' (see `syncctl --help`)\n");
  auto nested = syncctl({"periodic", "regster", "news"});
  CHECK(nested.status == 2);
  CHECK(nested.err ==
        "syncctl: unknown command 'periodic regster'; did you mean 'periodic register'? (see `syncctl periodic --help`)\n");
  CHECK(syncctl({"cache", "got", "news"}).err ==
        "syncctl: unknown command 'cache got'; did you mean 'cache get'? (see `syncctl cache --help`)\n");
  // Words after a command's name are its arguments, not commands.
  CHECK(syncctl({"show", "lsit"}).err == "syncctl: 'lsit' is not an action id (8-4-4-4-12 hex digits, as enqueue "
                                         "prints) or a prefix of one with at least 8 hex digits\n");
}
