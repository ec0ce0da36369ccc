// The config file against a real bgsyncd, through syncctl as a user runs it: values from --config
// and from $XDG_CONFIG_HOME with their sources, reload (syncctl and SIGHUP) applying what it can
// and reporting the rest, a bad file changing nothing, and `syncctl paths` with and without a daemon.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>

#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/e2e_util.hpp"
#include "tests/support/test_http_server.hpp"

using namespace bgsync;
using namespace bgsync::test;
using namespace std::chrono_literals;
using Catch::Contains;

namespace {

ProcessResult syncctl(const std::string& socket, std::vector<std::string> args,
                      std::vector<std::pair<std::string, std::string>> env = {}) {
  args.insert(args.begin(), BGSYNC_SYNCCTL_PATH);
  env.emplace_back("BGSYNC_SOCKET", socket);
  return run_process(args, {}, env);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// `syncctl config --json` as an object; fails the test if it does not work.
boost::json::object config_json(const DaemonProcess& daemon) {
  auto r = syncctl(daemon.socket(), {"config", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return boost::json::parse(r.out).as_object();
}

// One setting of `syncctl config --json`.
boost::json::object setting(const boost::json::object& config, std::string_view name) {
  for (const auto& s : config.at("settings").as_array()) {
    if (s.as_object().at("name").as_string() == name) return s.as_object();
  }
  FAIL("no setting " << name);
  return {};
}

std::string value_of(const DaemonProcess& daemon, std::string_view name) {
  const auto s = setting(config_json(daemon), name);
  return s.at("value").is_null() ? "<unset>" : std::string(s.at("value").as_string());
}

// The daemon's pid, as its state-dir lock file records it.
pid_t daemon_pid(const DaemonProcess& daemon) {
  std::ifstream in(daemon.state_dir() / "bgsyncd.lock");
  pid_t pid = -1;
  in >> pid;
  REQUIRE(pid > 0);
  return pid;
}

}  // namespace

TEST_CASE("a daemon started with --config runs on the file's values and the command line wins", "[e2e][config]") {
  DaemonProcess daemon;
  const auto file = daemon.dir() / "bgsyncd.toml";
  // DaemonProcess passes --retry-base 100ms on the command line: that value must win.
  write_file(file, "# test config\nretry-base = \"3s\"\nparallel = 3\n\nevent-retention = \"2d\"\nmax-attempts = 9\n");
  daemon.start({"--config", file.string()});

  const auto config = config_json(daemon);
  CHECK(config.at("config_file") == file.string().c_str());
  CHECK(config.at("config_file_found") == true);
  CHECK(config.at("socket") == daemon.socket().c_str());
  CHECK(config.at("state_dir") == daemon.state_dir().string().c_str());

  CHECK(setting(config, "parallel").at("value") == "3");
  CHECK(setting(config, "parallel").at("source") == (file.string() + ":3").c_str());
  CHECK(setting(config, "event-retention").at("value") == "2d");
  CHECK(setting(config, "event-retention").at("source") == (file.string() + ":5").c_str());
  CHECK(setting(config, "max-attempts").at("value") == "9");
  CHECK(setting(config, "retry-base").at("value") == "100ms");
  CHECK(setting(config, "retry-base").at("source") == "command line");
  CHECK(setting(config, "exchange-timeout").at("source") == "command line");
  CHECK(setting(config, "offline-debounce").at("source") == "default");
  CHECK(setting(config, "probe-url").at("value").is_null());
  CHECK(setting(config, "parallel").at("reloadable") == true);
  CHECK(setting(config, "max-size").at("reloadable") == false);

  SECTION("the text form is a table with sources") {
    auto r = syncctl(daemon.socket(), {"config"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("NAME") && Contains("VALUE") && Contains("SOURCE"));
    CHECK_THAT(r.out, Contains(file.string() + ":3"));
    auto one = syncctl(daemon.socket(), {"config", "parallel"});
    REQUIRE(one.exit_code == 0);
    CHECK_THAT(one.out, Contains("parallel") && !Contains("retry-base"));
    CHECK(syncctl(daemon.socket(), {"config", "no-such-option"}).exit_code == 2);
  }
}

TEST_CASE("the default config file is $XDG_CONFIG_HOME/bgsync/bgsyncd.toml and absent is fine", "[e2e][config]") {
  DaemonProcess daemon;
  const auto xdg = daemon.dir() / "xdg";
  SECTION("present") {
    write_file(xdg / "bgsync" / "bgsyncd.toml", "parallel = 7\n");
    daemon.start({}, {{"XDG_CONFIG_HOME", xdg.string()}});
    const auto config = config_json(daemon);
    CHECK(config.at("config_file") == (xdg / "bgsync" / "bgsyncd.toml").string().c_str());
    CHECK(setting(config, "parallel").at("value") == "7");
  }
  SECTION("absent") {
    daemon.start({}, {{"XDG_CONFIG_HOME", xdg.string()}});
    const auto config = config_json(daemon);
    CHECK(config.at("config_file_found") == false);
    CHECK(setting(config, "parallel").at("source") == "default");
  }
}

TEST_CASE("a bad config file stops the start-up with exit 2 and the file's line", "[e2e][config]") {
  DaemonProcess daemon;
  const auto file = daemon.dir() / "bad.toml";
  write_file(file, "parallel = 2\n\nretry-max = \"soon\"\n");
  CHECK(daemon.run_to_exit({"--config", file.string()}) == 2);
  CHECK_THAT(daemon.log(), Contains(file.string() + ":3: retry-max: expected a duration"));
  CHECK(daemon.run_to_exit({"--config", (daemon.dir() / "missing.toml").string()}) == 2);
  CHECK_THAT(daemon.log(), Contains("missing.toml: no such file"));
}

TEST_CASE("syncctl reload applies reloadable values and reports the others as needing a restart", "[e2e][config]") {
  HttpServer server;
  server.set_handler([](const RecordedRequest&) { return Reply::with_status(503); });
  DaemonProcess daemon;
  const auto file = daemon.dir() / "bgsyncd.toml";
  write_file(file, "parallel = 3\nmax-attempts = 50\n");
  daemon.start({"--config", file.string()});

  write_file(file, "parallel = 5\nmax-attempts = 2\nmax-size = 64\n");
  auto r = syncctl(daemon.socket(), {"reload", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto result = boost::json::parse(r.out).as_object();
  CHECK(result.at("changed") == boost::json::parse(R"(["max-attempts","parallel"])"));
  CHECK(result.at("restart_needed") == boost::json::parse(R"(["max-size"])"));

  const auto config = config_json(daemon);
  CHECK(setting(config, "parallel").at("value") == "5");
  CHECK(setting(config, "parallel").at("source") == (file.string() + ":1").c_str());
  CHECK(setting(config, "max-size").at("value") == "16384");  // still the running one
  CHECK(setting(config, "max-size").at("source") == "default");
  CHECK(setting(config, "max-size").at("pending") == "64");

  // The new retry limit is in force: a failing action now gives up after two attempts.
  auto client = daemon.client();
  const auto action = enqueue_ok(client, post(server.url("/busy"), "x"));
  REQUIRE(wait_for_state(client, action.id, ActionState::failed, 20s));
  CHECK(get_ok(client, action.id).attempts == 2);

  SECTION("the text form names the changes") {
    write_file(file, "parallel = 6\nmax-attempts = 2\nmax-size = 64\n");
    auto text = syncctl(daemon.socket(), {"reload"});
    REQUIRE(text.exit_code == 0);
    CHECK_THAT(text.out, Contains("changed") && Contains("parallel") && Contains("6"));
    CHECK_THAT(text.out, Contains("needs a restart") && Contains("max-size"));
  }
  SECTION("a reload with nothing new changes nothing") {
    auto again = syncctl(daemon.socket(), {"reload", "--json"});
    REQUIRE(again.exit_code == 0);
    CHECK(boost::json::parse(again.out).at("changed").as_array().empty());
  }
}

TEST_CASE("SIGHUP reloads the config file like syncctl reload", "[e2e][config]") {
  DaemonProcess daemon;
  const auto file = daemon.dir() / "bgsyncd.toml";
  write_file(file, "probe-timeout = \"7s\"\n");
  daemon.start({"--config", file.string()});
  REQUIRE(value_of(daemon, "probe-timeout") == "7s");

  // state-dir is also on DaemonProcess's command line, which wins: no change there at all.
  write_file(file, "probe-timeout = \"9s\"\nmax-size = 32\nstate-dir = \"/elsewhere\"\n");
  REQUIRE(::kill(daemon_pid(daemon), SIGHUP) == 0);
  CHECK(wait_until([&] { return value_of(daemon, "probe-timeout") == "9s"; }, 10s, 20ms));
  const auto config = config_json(daemon);
  CHECK(setting(config, "max-size").at("value") == "16384");
  CHECK(setting(config, "max-size").at("pending") == "32");
  CHECK(setting(config, "state-dir").at("value") == daemon.state_dir().string().c_str());
  CHECK_FALSE(setting(config, "state-dir").contains("pending"));
  CHECK(wait_until([&] { return daemon.log().find("needs a restart to change max-size") != std::string::npos; }, 5s));
  CHECK(daemon.running());
}

TEST_CASE("a reload of a bad file is an error naming the line, and changes nothing", "[e2e][config]") {
  DaemonProcess daemon;
  const auto file = daemon.dir() / "bgsyncd.toml";
  write_file(file, "parallel = 3\n");
  daemon.start({"--config", file.string()});

  write_file(file, "parallel = 4\nretry-max = \"soon\"\n");
  auto r = syncctl(daemon.socket(), {"reload"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains(file.string() + ":2: retry-max: expected a duration") && Contains("nothing was changed"));
  CHECK(value_of(daemon, "parallel") == "3");

  write_file(file, "parallel = 4\nretry-bsae = \"1s\"\n");
  auto unknown = syncctl(daemon.socket(), {"reload", "--json"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Contains(":2: unknown key \"retry-bsae\" (did you mean \"retry-base\"?)"));

  std::filesystem::remove(file);  // given with --config: it must exist
  CHECK(syncctl(daemon.socket(), {"reload"}).exit_code == 1);
  CHECK(value_of(daemon, "parallel") == "3");

  // Over libbgsync the code is bad_config.
  auto client = daemon.client();
  auto reloaded = client.reload();
  REQUIRE_FALSE(reloaded);
  CHECK(reloaded.error().code == errc::bad_config);
}

TEST_CASE("syncctl paths asks the daemon, or says what would be used without one", "[e2e][config]") {
  DaemonProcess daemon;
  const auto file = daemon.dir() / "bgsyncd.toml";
  write_file(file, "");
  const std::vector<std::pair<std::string, std::string>> env = {
      {"XDG_STATE_HOME", (daemon.dir() / "xdg-state").string()}, {"XDG_CONFIG_HOME", (daemon.dir() / "xdg-config").string()}};

  SECTION("without a daemon: computed locally, exit 0") {
    auto r = syncctl(daemon.socket(), {"paths", "--json"}, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto paths = boost::json::parse(r.out).as_object();
    CHECK(paths.at("running") == false);
    CHECK(paths.at("socket") == daemon.socket().c_str());
    CHECK(paths.at("state_dir") == (daemon.dir() / "xdg-state" / "bgsync").string().c_str());
    CHECK(paths.at("config_file") == (daemon.dir() / "xdg-config" / "bgsync" / "bgsyncd.toml").string().c_str());
    CHECK(paths.at("config_file_found") == false);
    auto text = syncctl(daemon.socket(), {"paths"}, env);
    CHECK(text.exit_code == 0);
    CHECK_THAT(text.out, Contains("not running") && Contains(daemon.socket()));
  }
  SECTION("with a daemon: what it uses") {
    daemon.start({"--config", file.string()});
    auto r = syncctl(daemon.socket(), {"paths", "--json"}, env);
    REQUIRE(r.exit_code == 0);
    const auto paths = boost::json::parse(r.out).as_object();
    CHECK(paths.at("running") == true);
    CHECK(paths.at("from_daemon") == true);
    CHECK(paths.at("state_dir") == daemon.state_dir().string().c_str());
    CHECK(paths.at("config_file") == file.string().c_str());
    CHECK(paths.at("config_file_found") == true);
    auto text = syncctl(daemon.socket(), {"paths"}, env);
    CHECK(text.exit_code == 0);
    CHECK_THAT(text.out, Contains(daemon.state_dir().string()) && !Contains("not running"));
  }
}
