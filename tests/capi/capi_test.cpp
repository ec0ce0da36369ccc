// The C API against a real bgsyncd: each test starts a daemon and an HTTP server, runs one check of
// capi_checks.c (a C program linked to libbgsync.so), and looks at what reached the server.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "tests/e2e/daemon_process.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;

namespace {

struct CheckRun {
  HttpServer server;
  DaemonProcess daemon;
  ProcessResult result;
  std::vector<std::string> ids;  // what the check printed as "id <uuid>", in order
};

// Runs `check` of bgsync_capi_checks against a fresh daemon; REQUIREs exit status 0.
void run_check(CheckRun& run, const std::string& check) {
  run.daemon.start();
  const std::string url = run.server.url("/capi");
  run.result = run_process({BGSYNC_CAPI_CHECKS_PATH, check, run.daemon.socket(), url}, {},
                           {{"BGSYNC_SOCKET", run.daemon.socket()}});
  INFO("stdout:\n" << run.result.out << "stderr:\n" << run.result.err);
  REQUIRE(run.result.exit_code == 0);
  std::istringstream lines(run.result.out);
  for (std::string word, id; lines >> word >> id;) {
    if (word == "id") run.ids.push_back(id);
  }
}

}  // namespace

TEST_CASE("C API: codes, names and errors, local and from the daemon", "[capi]") {
  CheckRun run;
  run_check(run, "errors");
  CHECK(run.server.request_count() == 0);
}

TEST_CASE("C API: enqueue with headers and a binary body, get, watch until sent", "[capi]") {
  CheckRun run;
  run_check(run, "enqueue_get");
  REQUIRE(run.ids.size() == 1);
  REQUIRE(run.server.request_count() == 1);
  const auto got = run.server.requests().at(0);
  CHECK(got.method == "POST");
  CHECK(got.target == "/capi");
  CHECK(got.body == std::string("a\0b\n\xff", 5));
  CHECK(got.header("Content-Type") == "application/octet-stream");
  CHECK(got.header("X-Note") == "first");
  CHECK(got.header("Idempotency-Key") == run.ids[0]);
}

TEST_CASE("C API: list pages and filters, cancel, retry, status, pause and resume", "[capi]") {
  CheckRun run;
  run_check(run, "manage");
  REQUIRE(run.ids.size() == 2);
  // After resume: the retried action of tag q and the untagged GET, nothing else.
  REQUIRE(run.server.wait_for_requests(2, 10s));
  std::vector<std::string> keys;
  for (const auto& r : run.server.requests()) keys.push_back(r.header("Idempotency-Key").value_or(""));
  std::sort(keys.begin(), keys.end());
  auto expected = run.ids;
  std::sort(expected.begin(), expected.end());
  CHECK(keys == expected);
}

TEST_CASE("C API: subscriptions, next_event with timeouts, replay with since, watch", "[capi]") {
  CheckRun run;
  run_check(run, "events");
  REQUIRE(run.ids.size() == 1);
  CHECK(run.server.request_count() == 1);
}

TEST_CASE("C API: wait for an action sent before the call, a timeout, a cancel", "[capi]") {
  CheckRun run;
  run_check(run, "wait");
  REQUIRE(run.ids.size() == 2);
  CHECK(run.server.request_count() == 1);  // the held one was cancelled before the resume
}

TEST_CASE("C API: enqueue_or_spool spools while bgsyncd is down, and the daemon sends it when it starts", "[capi]") {
  HttpServer server;
  DaemonProcess daemon;  // not started: nothing listens on its socket
  const std::string spool = (daemon.state_dir() / "spool").string();
  const auto result = run_process({BGSYNC_CAPI_CHECKS_PATH, "spool", daemon.socket(), server.url("/spooled")}, {},
                                  {{"BGSYNC_SPOOL", spool}});
  INFO("stdout:\n" << result.out << "stderr:\n" << result.err);
  REQUIRE(result.exit_code == 0);
  const auto printed = result.out.find("id ");
  REQUIRE(printed != std::string::npos);
  const std::string id = result.out.substr(printed + 3, 36);
  daemon.start();
  REQUIRE(server.wait_for_requests(1, 20s));
  const auto got = server.requests().at(0);
  CHECK(got.method == "PUT");
  CHECK(got.body == "s");
  CHECK(got.header("X-Note") == "spooled");
  CHECK(got.header("Idempotency-Key") == id);
}
