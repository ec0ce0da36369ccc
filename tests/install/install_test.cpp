// bgsync as installed: the layout of `cmake --install`, and each example (built against the
// installed package by install_and_build.sh) run as a user would run it, against the installed
// bgsyncd and a real HTTP server whose requests are then checked.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <filesystem>

#include "tests/e2e/daemon_process.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path prefix = BGSYNC_INSTALL_PREFIX;
const fs::path examples_build = BGSYNC_EXAMPLES_BUILD;
const fs::path examples_source = prefix / "share/doc/bgsync/examples";

// A daemon started from the installed binary: DaemonProcess runs launcher + its own bgsyncd path +
// arguments, and this launcher drops that path and executes the installed bgsyncd in its place.
struct InstalledDaemon : DaemonProcess {
  InstalledDaemon() {
    set_launcher({"/bin/sh", "-c", "shift; exec \"$0\" \"$@\"", (prefix / "bin/bgsyncd").string()});
    start();
  }
};

// The environment of every example: the test daemon's socket, and a home of its own.
struct Example {
  InstalledDaemon daemon;
  HttpServer server;
  Client client = daemon.client();

  ProcessResult run(std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env = {}) {
    env.emplace_back("BGSYNC_SOCKET", daemon.socket());
    env.emplace_back("HOME", daemon.dir().string());
    env.emplace_back("LD_LIBRARY_PATH", (prefix / BGSYNC_INSTALL_LIBDIR).string());  // for pkg-config's build
    auto result = run_process(argv, {}, env);
    UNSCOPED_INFO("$ " << argv.at(0) << " ...\n" << result.out << result.err);
    return result;
  }
  std::string tool(const char* name) const { return (examples_build / name).string(); }
  std::string file(const char* name) const { return (daemon.dir() / name).string(); }

  // Waits until nothing is queued or sending.
  bool drained() {
    return wait_until(
        [&] {
          auto status = client.status();
          return status && status->counts[ActionState::queued] == 0 && status->counts[ActionState::sending] == 0;
        },
        10s, 10ms);
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cmake --install lays out binaries, library, headers and package files", "[install]") {
  const fs::path lib = prefix / BGSYNC_INSTALL_LIBDIR;
  for (const fs::path& file :
       {prefix / "bin/bgsyncd", prefix / "bin/syncctl", lib / "libbgsync.so.0", lib / "libbgsync.so",
        prefix / "include/bgsync/bgsync.h", prefix / "include/bgsync/client.hpp",
        prefix / "include/bgsync/async_client.hpp", prefix / "include/bgsync/proto/codec.hpp",
        lib / "cmake/bgsync/bgsyncConfig.cmake", lib / "cmake/bgsync/bgsyncConfigVersion.cmake",
        lib / "cmake/bgsync/bgsyncTargets.cmake", lib / "pkgconfig/bgsync.pc", examples_source / "README.md"}) {
    INFO(file);
    CHECK(fs::exists(file));
  }
  CHECK(fs::is_symlink(lib / "libbgsync.so"));
  CHECK_FALSE(fs::exists(lib / "libbgsync.a"));  // one library, the shared one
  for (const char* program : {"bin/bgsyncd", "bin/syncctl"}) {
    const auto result = run_process({(prefix / program).string(), "--version"});
    CHECK(result.exit_code == 0);
    CHECK(contains(result.out, BGSYNC_VERSION));
  }
}

TEST_CASE("notes: changes are local at once, reach the server in order per note, list shows sync state",
          "[install][examples]") {
  Example ex;
  const std::string notes = ex.tool("notes/notes");
  const std::string base = ex.server.url("/notes");
  auto note = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {notes, "--server", base, "--file", ex.file("notes.json")});
    return ex.run(args);
  };
  REQUIRE(ex.client.pause());  // offline, as far as sending goes
  CHECK(note({"create", "buy milk"}).out == "created note 1\n");
  CHECK(note({"create", "call Ana"}).out == "created note 2\n");
  CHECK(note({"update", "1", "buy oat milk"}).exit_code == 0);
  CHECK(note({"delete", "2"}).exit_code == 0);
  CHECK(note({"delete", "7"}).exit_code == 1);
  auto listed = note({"list"});
  CHECK(listed.out == "1\tpending (2 changes; sending is paused)\tbuy oat milk\n"
                      "2\tpending (2 changes; sending is paused)\t(deleted)\n");
  CHECK(ex.server.request_count() == 0);

  REQUIRE(ex.client.resume());
  REQUIRE(ex.server.wait_for_requests(4, 10s));
  REQUIRE(ex.drained());
  std::vector<std::string> note1, note2;  // "METHOD target body" per note, in arrival order
  for (const auto& r : ex.server.requests()) {
    const bool first = r.target == "/notes/1" || contains(r.body, "\"id\":\"1\"");
    (first ? note1 : note2).push_back(r.method + " " + r.target + " " + r.body);
  }
  CHECK(note1 == std::vector<std::string>{R"(POST /notes {"id":"1","text":"buy milk"})",
                                          R"(PUT /notes/1 {"id":"1","text":"buy oat milk"})"});
  CHECK(note2 == std::vector<std::string>{R"(POST /notes {"id":"2","text":"call Ana"})", "DELETE /notes/2 "});
  CHECK(note({"list"}).out == "1\tsynced\tbuy oat milk\n");
}

TEST_CASE("chat-send: queued -> sending -> sent, and statuses caught up after a restart", "[install][examples]") {
  Example ex;
  ex.server.set_handler([](const RecordedRequest&) { return Reply::with_status(201, "{}"); });
  const std::string state = ex.file("chat.json");
  auto chat = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {ex.tool("chat-send/chat-send"), "--server", ex.server.url("/messages"), "--state", state});
    return ex.run(args);
  };

  const auto sent = chat({"hello there"});
  REQUIRE(sent.exit_code == 0);
  const auto id = sent.out.substr(0, sent.out.find(' '));
  CHECK(sent.out == id + " queued\n" + id + " sending\n" + id + " sent (HTTP 201)\n");
  REQUIRE(ex.server.request_count() == 1);
  const auto first = ex.server.requests().at(0);
  CHECK(first.header("Idempotency-Key") == id);
  CHECK(boost::json::parse(first.body).at("id").as_string() == id);

  // Sent while the tool is not watching: the next run learns it from the events it missed.
  REQUIRE(ex.client.pause());
  const auto queued = chat({"--wait", "0", "see you"});
  REQUIRE(queued.exit_code == 0);
  const auto id2 = queued.out.substr(0, queued.out.find(' '));
  CHECK(contains(queued.out, id2 + " is still queued"));
  REQUIRE(ex.client.resume());
  REQUIRE(ex.server.wait_for_requests(2, 10s));
  REQUIRE(ex.drained());
  const auto status = chat({"--status"});
  CHECK(status.exit_code == 0);
  CHECK(contains(status.out, id + "\tsent (HTTP 201)\thello there\n"));
  CHECK(contains(status.out, id2 + "\tsent (HTTP 201)\tsee you\n"));
  CHECK(ex.server.requests().at(1).header("Idempotency-Key") == id2);
}

TEST_CASE("like: the count goes up at once, likes go when sending is possible", "[install][examples]") {
  Example ex;
  auto like = [&](std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env = {}) {
    std::string server = ex.server.url("/");
    server.pop_back();  // http://127.0.0.1:PORT
    args.insert(args.begin(), {ex.tool("like/like"), "--server", server, "--file", ex.file("likes.json"), "--post", "p1"});
    return ex.run(args, env);
  };
  REQUIRE(ex.client.pause());
  CHECK(like({}).out == "p1: 1 likes\n");
  CHECK(like({}).out == "p1: 2 likes\n");
  // bgsyncd unreachable: still counted, and handed over by the next like.
  const auto alone = like({}, {{"BGSYNC_SOCKET", ex.file("nothing-here.sock")}});
  CHECK(alone.exit_code == 0);
  CHECK(alone.out == "p1: 3 likes\n");
  CHECK(contains(alone.err, "kept locally"));
  CHECK(contains(like({"--status"}).out, "p1: 3 likes\n3 not on the server yet"));
  CHECK(like({}).out == "p1: 4 likes\n");
  CHECK(contains(like({"--status"}).out, "p1: 4 likes\n4 not on the server yet"));

  REQUIRE(ex.client.resume());
  REQUIRE(ex.server.wait_for_requests(4, 10s));
  REQUIRE(ex.drained());
  for (const auto& r : ex.server.requests()) CHECK(r.method + " " + r.target == "POST /posts/p1/likes");
  CHECK(contains(like({"--status"}).out, "p1: 4 likes\n0 not on the server yet"));
}

TEST_CASE("the C example, built with CMake and with cc + pkg-config", "[install][examples]") {
  Example ex;
  for (const auto* binary : {"c/send-and-watch", "send-and-watch-pc"}) {
    ex.server.clear();
    const auto result = ex.run({ex.tool(binary), ex.server.url("/c"), "from C"});
    CHECK(result.exit_code == 0);
    CHECK(contains(result.out, "queued\nsending\nsent (HTTP 200)\n"));
    REQUIRE(ex.server.request_count() == 1);
    CHECK(ex.server.requests().at(0).body == "from C");
  }
}

TEST_CASE("the Python examples: the protocol with the standard library, and the C API via ctypes",
          "[install][examples]") {
  if (std::string(BGSYNC_PYTHON3).empty()) {
    BGSYNC_SKIP("python3 not found: the Python examples were not run");
  }
  Example ex;
  const std::string python = BGSYNC_PYTHON3;
  const std::string client_py = (examples_source / "python/bgsync_client.py").string();
  const auto enqueued = ex.run({python, client_py, "enqueue", ex.server.url("/py"), "-d", "from python", "-H",
                                "Content-Type: text/plain", "--tag", "py"});
  REQUIRE(enqueued.exit_code == 0);
  const std::string id = enqueued.out.substr(0, enqueued.out.find('\n'));
  const auto watched = ex.run({python, client_py, "watch", "--tag", "py", "--since", "0", "--until", id, "--timeout", "10"});
  CHECK(watched.exit_code == 0);
  CHECK(contains(watched.out, " queued " + id));
  CHECK(contains(watched.out, " sent " + id + " HTTP 200"));
  REQUIRE(ex.server.request_count() == 1);
  CHECK(ex.server.requests().at(0).body == "from python");
  CHECK(ex.server.requests().at(0).header("Idempotency-Key") == id);

  const auto ctypes = ex.run({python, (examples_source / "python/bgsync_ctypes.py").string(), ex.server.url("/ct")});
  CHECK(ctypes.exit_code == 0);
  CHECK(contains(ctypes.out, "queued\nsending\nsent (HTTP 200)\n"));
  REQUIRE(ex.server.request_count() == 2);
  CHECK(ex.server.requests().at(1).body == "hello from ctypes");
}
