// The shell completions for syncctl. The bash one is run for real (a non-interactive bash sources
// it, sets COMP_WORDS/COMP_CWORD, calls _syncctl and prints COMPREPLY) and compared with
// `syncctl --help` and the --help of every command, nested ones too (`syncctl periodic register
// --help`), so a command or option added to syncctl without its completion fails here. zsh and
// fish are not installed on CI machines; their files are checked to name every command and option.
#include "tests/docs/cli_help.hpp"
#include "tests/e2e/daemon_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
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

// A command line with one word more: the one being completed.
std::vector<std::string> plus(std::vector<std::string> words, const std::string& word) {
  words.push_back(word);
  return words;
}

// The words of variables of the completion script, as bash sees them.
std::set<std::string> script_words(const std::vector<std::string>& variables) {
  std::string echo = "echo";
  for (const auto& variable : variables) echo += " ${" + variable + "}";
  const auto result = run_process({find_on_path("bash"), "-c", "source \"$1\" && " + echo, "bash", bash_completion});
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

TEST_CASE("bash completion offers the subcommands of each command that has them", "[completion]") {
  bool nested = false;
  for (const auto& [path, help] : cli_commands(BGSYNC_SYNCCTL_PATH)) {
    if (help.commands.empty()) continue;
    nested = true;
    INFO("syncctl " << join_words(path));
    CHECK(complete(plus(path, "")) == set_of(help.commands));
    // Global options and their values before the command change nothing.
    std::vector<std::string> words = {"--json", "--socket", "/tmp/s"};
    words.insert(words.end(), path.begin(), path.end());
    CHECK(complete(plus(words, "")) == set_of(help.commands));
  }
  CHECK(nested);
  CHECK(complete({"periodic", "r"}) == std::set<std::string>{"register", "run"});
  CHECK(complete({"periodic", "--socket", "/tmp/s", "un"}) == std::set<std::string>{"unregister"});
  // A subcommand's name is not a command of its own: `periodic list` takes no more words.
  CHECK(complete({"periodic", "list", ""}).empty());
}

TEST_CASE("bash completion offers exactly the options of syncctl --help and each command's --help", "[completion]") {
  const CliHelp main = cli_help({BGSYNC_SYNCCTL_PATH});
  const auto global = set_of(main.option_names());
  CHECK(complete({"-"}) == global);

  std::set<std::string> value_options;
  for (const auto& option : main.options) {
    if (option.takes_value) value_options.insert(option.names.begin(), option.names.end());
  }
  for (const auto& [path, help] : cli_commands(BGSYNC_SYNCCTL_PATH)) {
    INFO("syncctl " << join_words(path));
    auto expected = set_of(help.option_names());
    // --socket and --json work after the command too; --version only before it.
    expected.insert({"--socket", "--json"});
    CHECK(complete(plus(path, "-")) == expected);
    for (const auto& option : help.options) {
      if (option.takes_value) value_options.insert(option.names.begin(), option.names.end());
    }
  }
  // The completion must know which options take a value, to tell a value from a command or id.
  CHECK(script_words({"_syncctl_value_options", "_syncctl_subcommand_value_options"}) == value_options);
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
  SECTION("periodic register --network, --power and --every complete their values") {
    CHECK(complete({"periodic", "register", "--network", ""}) == std::set<std::string>{"any", "unmetered"});
    CHECK(complete({"periodic", "register", "--power", "not_"}) ==
          std::set<std::string>{"not_on_battery", "not_low_battery"});
    CHECK(complete({"periodic", "register", "--every", "15"}) == std::set<std::string>{"15m"});
    CHECK(complete({"periodic", "register", "-X", "P"}) == std::set<std::string>{"PATCH", "POST", "PUT"});
    // The value of --every is not the registration's tag or URL: options still follow.
    CHECK(complete({"periodic", "register", "--every", "1h", "--net"}) == std::set<std::string>{"--network"});
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
    CHECK(complete({"cache", "get", "-o", prefix}) == std::set<std::string>{prefix + "te.json"});
    CHECK(complete({"periodic", "register", "--data-binary", "@" + prefix}) ==
          std::set<std::string>{"@" + prefix + "te.json"});
  }
}

TEST_CASE("bash completion offers action ids when the daemon answers, and nothing when it does not", "[completion]") {
  SECTION("no daemon: nothing, quietly and at once") {
    std::string err;
    const auto started = std::chrono::steady_clock::now();
    const std::vector<std::vector<std::string>> asking = {
        {"show"}, {"cancel"}, {"retry"}, {"config"}, {"periodic", "run"}, {"periodic", "unregister"}, {"cache", "get"}};
    for (const auto& command : asking) {
      INFO(join_words(command));
      CHECK(complete(plus(command, ""), {}, &err).empty());
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
    // periodic run and unregister and cache get complete the tags of the registrations of --app
    // (syncctl's by default); register names a new one.
    syncctl({"periodic", "register", "news", "--every", "1h", "http://127.0.0.1:9/news"});
    syncctl({"periodic", "register", "--app", "reader", "feed", "--every", "1h", "http://127.0.0.1:9/feed"});
    CHECK(complete({"periodic", "run", ""}, env) == std::set<std::string>{"news"});
    CHECK(complete({"periodic", "unregister", "--app", "reader", ""}, env) == std::set<std::string>{"feed"});
    CHECK(complete({"cache", "get", "--app", "=", "reader", ""}, env) == std::set<std::string>{"feed"});  // --app=reader
    CHECK(complete({"cache", "get", "--app=reader", ""}, env) == std::set<std::string>{"feed"});  // no "=" in COMP_WORDBREAKS
    CHECK(complete({"periodic", "register", ""}, env).empty());
    CHECK(complete({"periodic", "run", "news", ""}, env).empty());  // one tag only
  }
}

TEST_CASE("zsh and fish completions name every syncctl command and option", "[completion]") {
  const std::string zsh = read_text_file(std::string(BGSYNC_COMPLETIONS_DIR) + "/_syncctl");
  const std::string fish = read_text_file(std::string(BGSYNC_COMPLETIONS_DIR) + "/syncctl.fish");
  CHECK(zsh.rfind("#compdef syncctl\n", 0) == 0);
  // fish: a command is offered (`-a register`) on a `complete` line whose condition names the
  // command it belongs to, and an option of a command (`-l every`) on one that names the
  // command's words (`__fish_seen_subcommand_from list`, `__syncctl_using periodic register`).
  std::vector<std::vector<std::string>> fish_lines;  // the words of each `complete` line
  {
    std::istringstream in(fish);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("complete ", 0) != 0) continue;
      std::replace_if(line.begin(), line.end(), [](char c) { return c == '\'' || c == '"' || c == ';'; }, ' ');
      std::istringstream words(line);
      fish_lines.emplace_back(std::istream_iterator<std::string>(words), std::istream_iterator<std::string>());
    }
  }
  const auto fish_offers = [&](const std::vector<std::string>& condition, const std::vector<std::string>& offer) {
    return std::any_of(fish_lines.begin(), fish_lines.end(), [&](const std::vector<std::string>& line) {
      const auto names = [&](const std::string& word) { return std::find(line.begin(), line.end(), word) != line.end(); };
      return std::all_of(condition.begin(), condition.end(), names) &&
             std::search(line.begin(), line.end(), offer.begin(), offer.end()) != line.end();
    });
  };
  for (const auto& [path, help] : cli_commands(BGSYNC_SYNCCTL_PATH)) {
    INFO("syncctl " << join_words(path));
    const std::string& command = path.back();
    CHECK(zsh.find("'" + command + ":") != std::string::npos);
    CHECK(fish_offers({path.begin(), path.end() - 1}, {"-a", command}));
    for (const auto& name : help.option_names()) {
      INFO(name);
      CHECK(zsh.find(name) != std::string::npos);
      if (name == "-h" || name == "--help") continue;  // offered everywhere, by one line
      const bool is_long = name.rfind("--", 0) == 0;
      CHECK(fish_offers(path, {is_long ? "-l" : "-s", name.substr(is_long ? 2 : 1)}));
    }
  }
}

}  // namespace bgsync::test
