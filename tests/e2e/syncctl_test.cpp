// syncctl against a real daemon, as a shell user runs it: ids on stdout, JSON that parses, the
// documented exit codes, and watch output that arrives line by line.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

ProcessResult syncctl(DaemonProcess& daemon, std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), BGSYNC_SYNCCTL_PATH);
  return run_process(args, input, {{"BGSYNC_SOCKET", daemon.socket()}});
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("syncctl enqueue is curl-like and prints the new id", "[e2e][syncctl]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  auto r = syncctl(daemon, {"enqueue", "-H", "X-One: 1", "-H", "Content-Type: text/plain", "-d", "hello", "--tag", "t",
                            server.url("/in")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto id = ActionId::parse(trim(r.out));
  REQUIRE(id);
  REQUIRE(server.wait_for_requests(1, 10s));
  const auto got = server.requests()[0];
  CHECK(got.method == "POST");  // -d implies POST, as in curl
  CHECK(got.body == "hello");
  CHECK(got.header("X-One") == "1");
  CHECK(got.header("Content-Type") == "text/plain");

  SECTION("--data-binary @- sends stdin byte for byte; -X picks the method") {
    const std::string bytes("a\0b\r\nc", 6);
    auto put = syncctl(daemon, {"enqueue", "-X", "PUT", "--data-binary", "@-", server.url("/bin")}, bytes);
    REQUIRE(put.exit_code == 0);
    REQUIRE(server.wait_for_requests(2, 10s));
    CHECK(server.requests()[1].method == "PUT");
    CHECK(server.requests()[1].body == bytes);
  }
}

TEST_CASE("syncctl --json output parses, with the documented fields, options before or after", "[e2e][syncctl]") {
  HttpServer server;
  DaemonProcess daemon;
  daemon.start();
  REQUIRE(syncctl(daemon, {"pause"}).exit_code == 0);
  const auto id = trim(syncctl(daemon, {"enqueue", "--tag", "n", server.url("/x")}).out);

  for (const auto& args : {std::vector<std::string>{"--json", "list"}, std::vector<std::string>{"list", "--json"}}) {
    auto r = syncctl(daemon, args);
    REQUIRE(r.exit_code == 0);
    auto list = boost::json::parse(r.out);
    REQUIRE(list.is_array());
    REQUIRE(list.as_array().size() == 1);
    const auto& a = list.as_array()[0].as_object();
    for (const char* field : {"id", "tag", "app", "state", "method", "url", "attempts", "created", "next_attempt",
                              "last_error", "response_status"}) {
      INFO(field);
      CHECK(a.contains(field));
    }
    CHECK(a.at("id") == id.c_str());
    CHECK(a.at("state") == "queued");
  }

  // The new action, as list shows it: no "body" that would claim the request had none.
  auto queued = syncctl(daemon, {"--json", "enqueue", "-d", "secret", "--tag", "n", server.url("/y")});
  REQUIRE(queued.exit_code == 0);
  const auto q = boost::json::parse(queued.out).as_object();
  CHECK(q.at("state") == "queued");
  CHECK(q.at("method") == "POST");
  CHECK(q.at("url") == server.url("/y").c_str());
  CHECK_FALSE(q.contains("body"));
  CHECK_FALSE(q.contains("response_body"));
  REQUIRE(syncctl(daemon, {"cancel", std::string(q.at("id").as_string())}).exit_code == 0);

  auto status = syncctl(daemon, {"status", "--json"});
  REQUIRE(status.exit_code == 0);
  auto s = boost::json::parse(status.out).as_object();
  CHECK(s.at("paused") == true);
  CHECK(s.contains("online"));
  CHECK(s.at("counts").at("queued") == 1);

  auto show = syncctl(daemon, {"--json", "show", id});
  REQUIRE(show.exit_code == 0);
  CHECK(boost::json::parse(show.out).at("url") == server.url("/x").c_str());

  auto cancel = syncctl(daemon, {"cancel", id, "--json"});
  REQUIRE(cancel.exit_code == 0);
  CHECK(boost::json::parse(cancel.out).is_object());
  REQUIRE(syncctl(daemon, {"resume", "--json"}).exit_code == 0);
}

TEST_CASE("syncctl exit codes: 0 ok, 1 refused, 2 usage, 3 unreachable", "[e2e][syncctl]") {
  DaemonProcess daemon;
  daemon.start();
  CHECK(syncctl(daemon, {"status"}).exit_code == 0);

  auto refused = syncctl(daemon, {"show", "01890a5d-ac96-774b-bcce-b302099a8057"});
  CHECK(refused.exit_code == 1);
  CHECK_FALSE(refused.err.empty());

  auto usage = syncctl(daemon, {"enqueue", "-H", "Bad Header Line", "http://127.0.0.1/"});
  CHECK(usage.exit_code == 2);
  CHECK(syncctl(daemon, {"frobnicate"}).exit_code == 2);

  auto down = run_process({BGSYNC_SYNCCTL_PATH, "--socket", (daemon.dir() / "nothing.sock").string(), "status"});
  CHECK(down.exit_code == 3);
  CHECK_THAT(down.err, Catch::Contains("not running"));
}

TEST_CASE("syncctl list shows aligned columns a person can scan", "[e2e][syncctl]") {
  DaemonProcess daemon;
  daemon.start();
  REQUIRE(syncctl(daemon, {"pause"}).exit_code == 0);
  syncctl(daemon, {"enqueue", "--tag", "a", "http://127.0.0.1:9/one"});
  syncctl(daemon, {"enqueue", "--tag", "a-much-longer-tag", "http://127.0.0.1:9/two"});
  auto r = syncctl(daemon, {"list"});
  REQUIRE(r.exit_code == 0);
  // Header plus two rows, and the URL column starts at the same offset in every row.
  std::vector<std::string> lines;
  std::string line;
  for (char c : r.out) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  REQUIRE(lines.size() >= 3);
  const auto col = lines[1].find("http://");
  REQUIRE(col != std::string::npos);
  CHECK(lines[2].find("http://") == col);
}
