// The config file and the option table: every value type read from TOML, errors that name the
// file, line and key, the command line over the file, and where each value came from.
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "bgsync/proto/paths.hpp"
#include "daemon/config_file.hpp"
#include "daemon/duration.hpp"
#include "daemon/option_table.hpp"
#include "daemon/runtime_paths.hpp"
#include "tests/support/catch_result.hpp"
#include "tests/support/test_util.hpp"

using namespace bgsync;
using namespace bgsync::daemon;
using namespace std::chrono_literals;
using Catch::Contains;

namespace {

struct ConfigFixture {
  test::TempDir dir{"bgsync-config"};
  std::filesystem::path file = dir / "bgsyncd.toml";

  void write(const std::string& text) const { std::ofstream(file) << text; }

  proto::Result<DaemonOptions> resolve(std::vector<std::pair<std::string, std::string>> command_line = {},
                                       bool required = true) const {
    ConfigOrigin origin;
    origin.file = file;
    origin.file_explicit = required;
    origin.command_line = std::move(command_line);
    return resolve_options(std::move(origin));
  }

  std::string error(std::vector<std::pair<std::string, std::string>> command_line = {}) const {
    auto options = resolve(std::move(command_line));
    REQUIRE_FALSE(options);
    CHECK(options.error().code == proto::errc::bad_config);
    return options.error().message;
  }

  std::string at(int line) const { return file.string() + ":" + std::to_string(line) + ": "; }
};

std::string source_of(const DaemonOptions& options, std::string_view name) {
  const auto found = options.origin.sources.find(name);
  return describe_source(found == options.origin.sources.end() ? ValueSource{} : found->second, options.origin.file);
}

}  // namespace

TEST_CASE_METHOD(ConfigFixture, "every option type is read from the file", "[config]") {
  write(R"(# every type of value
socket = "/tmp/x/s.sock"        # text
state-dir = "/tmp/x/state"      # path
log-level = "debug"             # level
retry-base = "250ms"            # duration
max-attempts = 7                # count
probe-url = "http://127.0.0.1:9/generate_204"   # url
probe-status = 200              # status
probe-body = "ok"               # optional text
parallel = 3
max-size = 64
event-retention = "2d"
online-debounce = "5ms"
)");
  auto options = resolve();
  REQUIRE(options);
  CHECK(options->socket_path == "/tmp/x/s.sock");
  CHECK(options->state_dir == "/tmp/x/state");
  CHECK(options->log_level == "debug");
  CHECK(options->retry.base == 250ms);
  CHECK(options->retry.max_attempts == 7);
  CHECK(options->probe.url == "http://127.0.0.1:9/generate_204");
  CHECK(options->probe.expect_status == 200);
  CHECK(options->probe.expect_body == "ok");
  CHECK(options->parallel == 3);
  CHECK(options->map_size_mib == 64);
  CHECK(options->event_retention == 48h);
  CHECK(options->online_debounce == 5ms);
  CHECK(options->retry.max == RetryPolicy{}.max);  // not in the file: the default
  CHECK(options->origin.file_found);
}

TEST_CASE_METHOD(ConfigFixture, "an unknown key is an error with its line and a suggestion", "[config]") {
  write("parallel = 2\n\nretry_base = \"1s\"\n");
  const auto message = error();
  CHECK_THAT(message, Contains(at(3) + "unknown key \"retry_base\" (did you mean \"retry-base\"?)"));

  write("[probe]\nurl = \"http://x/\"\n");
  CHECK_THAT(error(), Contains(at(1) + "unknown key \"probe\""));
  write("frobnicate = 1\n");
  CHECK_THAT(error(), !Contains("did you mean"));
}

TEST_CASE_METHOD(ConfigFixture, "a bad value is an error naming the file, line and key", "[config]") {
  write("parallel = 2\n# a comment\n\n\n\n\nretry-base = \"soon\"\n");
  CHECK(error() == at(7) + "retry-base: expected a duration like 250ms, 10s, 5m, 2h or 7d, got \"soon\"");

  write("parallel = 0\n");
  CHECK(error() == at(1) + "parallel: expected an integer 1..1024, got \"0\"");
  write("parallel = \"8\"\n");
  CHECK_THAT(error(), Contains(at(1) + "parallel: expected an integer") && Contains("the string \"8\""));
  write("retry-max = 60\n");
  CHECK_THAT(error(), Contains(at(1) + "retry-max: expected a duration in quotes") && Contains("the number 60"));
  write("log-level = \"loud\"\n");
  CHECK_THAT(error(), Contains(at(1) + "log-level: expected one of trace, debug"));
  write("probe-url = \"ftp://example.com/\"\n");
  CHECK_THAT(error(), Contains(at(1) + "probe-url: expected an absolute http or https URL"));
  write("probe-url = \"http://x/\"\nprobe-status = 42\n");
  CHECK(error() == at(2) + "probe-status: 42 is not an HTTP status; use 100..599, e.g. 204 or 200");
  write("probe-url = \"http://x/\"\nprobe-status = 2e2\n");
  CHECK_THAT(error(), Contains(at(2) + "probe-status: expected an integer"));
  write("socket = true\n");
  CHECK_THAT(error(), Contains(at(1) + "socket: expected a string in quotes, got true"));
  write("max-attempts = -1\n");
  CHECK_THAT(error(), Contains(at(1) + "max-attempts: expected an integer 0..4294967295, got \"-1\""));
}

TEST_CASE_METHOD(ConfigFixture, "TOML syntax errors and unreadable files name the file", "[config]") {
  write("parallel = 2\nretry-base = \n");
  CHECK_THAT(error(), Contains(at(2) + "not valid TOML"));
  write("parallel = 2\nparallel = 3\n");
  CHECK_THAT(error(), Contains(at(2) + "not valid TOML"));

  std::filesystem::create_directory(dir / "a-dir");
  ConfigOrigin origin;
  origin.file = dir / "a-dir";
  CHECK_THAT(resolve_options(origin).error().message, Contains("is a directory"));
}

TEST_CASE_METHOD(ConfigFixture, "a missing file: defaults unless it was given with --config", "[config]") {
  auto options = resolve({}, /*required=*/false);
  REQUIRE(options);
  CHECK_FALSE(options->origin.file_found);
  CHECK(options->parallel == DaemonOptions{}.parallel);
  CHECK(source_of(*options, "parallel") == "default");

  auto required = resolve({}, /*required=*/true);
  REQUIRE_FALSE(required);
  CHECK(required.error().message == file.string() + ": no such file (given with --config)");

  ConfigOrigin none;  // --config "": no file at all
  none.file_explicit = true;
  REQUIRE(resolve_options(none));
}

TEST_CASE_METHOD(ConfigFixture, "the command line wins over the file, and sources say where values came from", "[config]") {
  write("parallel = 2\nretry-base = \"1s\"\n\nretry-max = \"1m\"\n");
  auto options = resolve({{"parallel", "5"}, {"log-level", "warn"}});
  REQUIRE(options);
  CHECK(options->parallel == 5);
  CHECK(options->retry.base == 1s);
  CHECK(options->retry.max == 1min);
  CHECK(options->log_level == "warn");
  CHECK(source_of(*options, "parallel") == "command line");
  CHECK(source_of(*options, "log-level") == "command line");
  CHECK(source_of(*options, "retry-base") == file.string() + ":2");
  CHECK(source_of(*options, "retry-max") == file.string() + ":4");
  CHECK(source_of(*options, "exchange-timeout") == "default");
  // The layers are kept for a reload.
  CHECK(options->origin.command_line.size() == 2);
  CHECK(options->origin.file == file);
}

TEST_CASE_METHOD(ConfigFixture, "options that only make sense together are blamed where they were set", "[config]") {
  write("\nprobe-status = 200\n");
  CHECK(error() == at(2) + "probe-status: it needs a probe URL to check against");
  write("");
  CHECK(error({{"probe-body", "ok"}}) == "--probe-body: it needs a probe URL to check against");
  write("probe-url = \"http://127.0.0.1:9/\"\nprobe-interval = \"0s\"\n");
  CHECK_THAT(error(), Contains(at(2) + "probe-interval: it must be positive"));
  // The file sets the URL, the command line the expectation: fine together.
  write("probe-url = \"http://127.0.0.1:9/\"\n");
  REQUIRE(resolve({{"probe-status", "200"}}));
}

TEST_CASE("the option table: unique names, defaults that read back, the reload split", "[config]") {
  const DaemonOptions defaults;
  std::set<std::string_view> names;
  for (const auto& spec : option_table()) {
    INFO(spec.name);
    CHECK(names.insert(spec.name).second);
    CHECK(find_option(spec.name) == &spec);
    CHECK_FALSE(spec.help.empty());
    // What get() prints, set() reads back to the same value.
    if (const auto text = spec.get(defaults)) {
      DaemonOptions copy;
      REQUIRE(spec.set(copy, *text));
      CHECK(spec.get(copy) == text);
    }
    // copy() moves exactly this option.
    DaemonOptions changed;
    const std::string sample = spec.type == OptionType::duration ? "3s"
                               : spec.type == OptionType::count  ? "2"
                               : spec.type == OptionType::status ? "200"
                               : spec.type == OptionType::level  ? "error"
                               : spec.type == OptionType::url    ? "http://example.com/"
                                                                 : "/some/where";
    REQUIRE(spec.set(changed, sample));
    DaemonOptions target;
    spec.copy(target, changed);
    CHECK(spec.get(target) == spec.get(changed));
  }
  for (const char* name : {"socket", "state-dir", "spool-dir", "probe-url", "max-size", "power-supply-dir"}) {
    INFO(name);
    REQUIRE(find_option(name) != nullptr);
    CHECK_FALSE(find_option(name)->reloadable);
  }
  for (const char* name : {"log-level", "retry-base", "retry-max", "max-attempts", "connect-timeout", "tls-timeout",
                           "exchange-timeout", "default-ttl", "event-retention", "online-debounce", "offline-debounce",
                           "probe-status", "probe-body", "probe-interval", "probe-portal-interval", "probe-timeout",
                           "parallel", "periodic-floor"}) {
    INFO(name);
    REQUIRE(find_option(name) != nullptr);
    CHECK(find_option(name)->reloadable);
  }
  CHECK(option_table().size() == 24);
  {
    // A periodic floor under a second would be a busy loop, not a schedule.
    DaemonOptions o;
    CHECK_FALSE(find_option("periodic-floor")->set(o, "500ms"));
    CHECK(find_option("periodic-floor")->set(o, "1s"));
    CHECK(o.periodic_floor == std::chrono::seconds(1));
  }
  CHECK(closest_option("retry-bse")->name == "retry-base");
  CHECK(closest_option("PARALLEL")->name == "parallel");
  CHECK(closest_option("completely-different") == nullptr);
}

TEST_CASE("the default paths: XDG variables, then the home directory, and the daemon agrees", "[config]") {
  {
    test::ScopedEnv config("XDG_CONFIG_HOME", "/cfg/");
    test::ScopedEnv state("XDG_STATE_HOME", "/st");
    CHECK(proto::default_config_file() == "/cfg/bgsync/bgsyncd.toml");
    CHECK(proto::default_state_dir() == "/st/bgsync");
    CHECK(default_state_dir() == proto::default_state_dir());
  }
  test::ScopedEnv config("XDG_CONFIG_HOME", "relative/ignored");
  test::ScopedEnv state("XDG_STATE_HOME", std::nullopt);
  test::ScopedEnv home("HOME", "/home/ann");
  CHECK(proto::default_config_file() == "/home/ann/.config/bgsync/bgsyncd.toml");
  CHECK(proto::default_state_dir() == "/home/ann/.local/state/bgsync");
  CHECK(default_state_dir() == proto::default_state_dir());
}
