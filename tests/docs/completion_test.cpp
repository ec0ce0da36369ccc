// The shell completions for syncctl. The bash one is run for real (a non-interactive bash sources
// it, sets COMP_WORDS/COMP_CWORD, calls _syncctl and prints COMPREPLY) and compared with
// `syncctl --help` and every `syncctl COMMAND --help`, so a command or option added to syncctl
// without its completion fails here. zsh and fish are not installed on CI machines; their files
// are checked to name every command and option.
#include "tests/docs/cli_help.hpp"
#include "tests/e2e/daemon_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace bgsync::test {
namespace {

const std::string bash_completion = std::string(BGSYNC_COMPLETIONS_DIR) + "/syncctl.bash";

// Runs the completion for the command line `words` (the last one being completed) and returns
// COMPREPLY. words[0] is the syncctl built here, so the completion asks it for action ids.
// `env` adds variables; BGSYNC_SOCKET defaults to a socket nobody listens on.
std::set<std::string> complete(std::vector<std::string> words, std::vector<std::pair<std::string, std::string>> env = {},
                               std::string* err = nullptr) {
  static const std::string bash = find_on_path("bash");
  REQUIRE(!bash.empty());
  static const TempDir nowhere("bgsync-docs");
  if (std::none_of(env.begin(), env.end(), [](const auto& kv) { return kv.first == "BGSYNC_SOCKET"; })) {
    env.emplace_back("BGSYNC_SOCKET", (nowhere.path() / "nobody.sock").string());
  }
  const std::string script = R"(
    source "$1" || exit 9
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _syncctl "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}"
  )";
  std::vector<std::string> argv = {bash, "-c", script, "bash", bash_completion, BGSYNC_SYNCCTL_PATH};
  argv.insert(argv.end(), words.begin(), words.end());
  const auto result = run_process(argv, {}, env);
  INFO("completing: syncctl " << [&] {
    std::string line;
    for (const auto& w : words) line += w + " ";
    return line;
  }());
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  if (err) *err = result.err;
  std::set<std::string> replies;
  std::istringstream out(result.out);
  for (std::string line; std::getline(out, line);) {
    if (!line.empty()) replies.insert(line);
  }
  return replies;
}

std::set<std::string> set_of(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// A variable of the completion script, as bash sees it.
std::set<std::string> script_words(const std::string& variable) {
  const auto result = run_process({find_on_path("bash"), "-c", "source \"$1\" && echo ${" + variable + "}", "bash", bash_completion});
  REQUIRE(result.exit_code == 0);
  std::set<std::string> words;
  std::istringstream in(result.out);
  for (std::string word; in >> word;) words.insert(word);
  return words;
}

}  // namespace

TEST_CASE("bash completion offers every syncctl command and nothing else", "[completion]") {
  const CliHelp main = cli_help({BGSYNC_SYNCCTL_PATH});
  CHECK(complete({""}) == set_of(main.commands));
  CHECK(complete({"re"}) == std::set<std::string>{"reload", "resume", "retry"});
  // The word after --socket is its value, not the command.
  CHECK(complete({"--socket", "/tmp/s", "st"}) == std::set<std::string>{"status"});
  CHECK(complete({"--json", "--socket=/tmp/s", "pa"}) == std::set<std::string>{"paths", "pause"});
}

TEST_CASE("bash completion offers exactly the options of syncctl --help and each command's --help", "[completion]") {
  const CliHelp main = cli_help({BGSYNC_SYNCCTL_PATH});
  const auto global = set_of(main.option_names());
  CHECK(complete({"-"}) == global);

  std::set<std::string> value_options;
  for (const auto& option : main.options) {
    if (option.takes_value) value_options.insert(option.names.begin(), option.names.end());
  }
  for (const auto& command : main.commands) {
    INFO("syncctl " << command);
    const CliHelp help = cli_help({BGSYNC_SYNCCTL_PATH, command});
    auto expected = set_of(help.option_names());
    // --socket and --json work after the command too; --version only before it.
    expected.insert({"--socket", "--json"});
    CHECK(complete({command, "-"}) == expected);
    for (const auto& option : help.options) {
      if (option.takes_value) value_options.insert(option.names.begin(), option.names.end());
    }
  }
  // The completion must know which options take a value, to tell a value from a command or id.
  CHECK(script_words("_syncctl_value_options") == value_options);
}

TEST_CASE("bash completion completes option values", "[completion]") {
  SECTION("list --st completes to --state, and --state to the states") {
    CHECK(complete({"list", "--st"}) == std::set<std::string>{"--state"});
    const std::set<std::string> states = {"queued", "sending", "sent", "failed", "cancelled"};
    CHECK(complete({"list", "--state", ""}) == states);
    CHECK(complete({"list", "--state", "se"}) == std::set<std::string>{"sending", "sent"});
    CHECK(complete({"list", "--state", "=", ""}) == states);  // --state=<TAB>: bash splits at '='
  }
  SECTION("enqueue -X completes HTTP methods") {
    const auto methods = complete({"enqueue", "-X", ""});
    for (const auto& method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) CHECK(methods.count(method) == 1);
    CHECK(complete({"enqueue", "--request", "P"}) == std::set<std::string>{"PATCH", "POST", "PUT"});
  }
  SECTION("--data-binary @FILE and --socket complete file names") {
    const TempDir dir("bgsync-docs");
    std::ofstream(dir / "note.json") << "{}";
    const std::string prefix = dir.path().string() + "/no";
    CHECK(complete({"enqueue", "--data-binary", "@" + prefix}) == std::set<std::string>{"@" + prefix + "te.json"});
    CHECK(complete({"enqueue", "-d", "@" + prefix}) == std::set<std::string>{"@" + prefix + "te.json"});
    CHECK(complete({"enqueue", "--data-binary", "plain"}).empty());  // not @: the data itself
    CHECK(complete({"--socket", prefix}) == std::set<std::string>{prefix + "te.json"});
    CHECK(complete({"status", "--socket", prefix}) == std::set<std::string>{prefix + "te.json"});
  }
}

TEST_CASE("bash completion offers action ids when the daemon answers, and nothing when it does not", "[completion]") {
  SECTION("no daemon: nothing, quietly and at once") {
    std::string err;
    const auto started = std::chrono::steady_clock::now();
    for (const auto& command : {"show", "cancel", "retry", "config"}) {
      INFO(command);
      CHECK(complete({command, ""}, {}, &err).empty());
      CHECK(err == "");
    }
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  }
  SECTION("a daemon: show offers every id, cancel the unfinished ones, retry the finished ones") {
    DaemonProcess daemon;
    daemon.start();
    const auto syncctl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {BGSYNC_SYNCCTL_PATH, "--socket", daemon.socket()});
      const auto result = run_process(args);
      INFO(result.err);
      REQUIRE(result.exit_code == 0);
      std::string out = result.out;
      while (!out.empty() && out.back() == '\n') out.pop_back();
      return out;
    };
    syncctl({"pause"});  // nothing is sent: the actions stay queued
    const std::string queued = syncctl({"enqueue", "http://127.0.0.1:9/a"});
    const std::string cancelled = syncctl({"enqueue", "http://127.0.0.1:9/b"});
    syncctl({"cancel", cancelled});

    const std::vector<std::pair<std::string, std::string>> env = {{"BGSYNC_SOCKET", daemon.socket()}};
    CHECK(complete({"show", ""}, env) == std::set<std::string>{queued, cancelled});
    CHECK(complete({"cancel", ""}, env) == std::set<std::string>{queued});
    CHECK(complete({"retry", ""}, env) == std::set<std::string>{cancelled});
    CHECK(complete({"show", queued, ""}, env).empty());  // one id only
    // --socket on the command line is the daemon asked.
    CHECK(complete({"--socket", daemon.socket(), "show", ""}) == std::set<std::string>{queued, cancelled});
    CHECK(complete({"retry", "--socket", daemon.socket(), ""}) == std::set<std::string>{cancelled});
    // config completes the daemon's setting names.
    const auto settings = complete({"config", "retry-"}, env);
    CHECK(settings == std::set<std::string>{"retry-base", "retry-max"});
  }
}

TEST_CASE("zsh and fish completions name every syncctl command and option", "[completion]") {
  const std::string zsh = read_text_file(std::string(BGSYNC_COMPLETIONS_DIR) + "/_syncctl");
  const std::string fish = read_text_file(std::string(BGSYNC_COMPLETIONS_DIR) + "/syncctl.fish");
  CHECK(zsh.rfind("#compdef syncctl\n", 0) == 0);
  const CliHelp main = cli_help({BGSYNC_SYNCCTL_PATH});
  for (const auto& command : main.commands) {
    INFO(command);
    CHECK(zsh.find("'" + command + ":") != std::string::npos);
    CHECK(fish.find("-a " + command + " ") != std::string::npos);
    for (const auto& name : cli_help({BGSYNC_SYNCCTL_PATH, command}).option_names()) {
      INFO(name);
      CHECK(zsh.find(name) != std::string::npos);
      if (name.rfind("--", 0) == 0) {
        CHECK(fish.find("-l " + name.substr(2) + " ") != std::string::npos);
      } else {
        CHECK(fish.find("-s " + name.substr(1) + " ") != std::string::npos);
      }
    }
  }
}

}  // namespace bgsync::test
