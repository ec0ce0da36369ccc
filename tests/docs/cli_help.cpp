// Parsing --help for the docs tests (see cli_help.hpp), and small file and PATH helpers.
#include "tests/docs/cli_help.hpp"

#include "tests/e2e/daemon_process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace bgsync::test {

std::vector<std::string> CliHelp::option_names() const {
  std::vector<std::string> names;
  for (const auto& option : options) names.insert(names.end(), option.names.begin(), option.names.end());
  return names;
}

std::vector<std::string> CliHelp::long_options() const {
  std::vector<std::string> names;
  for (const auto& name : option_names()) {
    if (name.rfind("--", 0) == 0) names.push_back(name);
  }
  return names;
}

CliHelp parse_cli_help(std::string_view help) {
  CliHelp result;
  enum { none, options, commands } list = none;
  std::istringstream in{std::string(help)};
  for (std::string line; std::getline(in, line);) {
    if (line == "Options:") {
      list = options;
    } else if (line == "EXAMPLES") {
      result.has_examples = true;
      list = none;
    } else if (line == "Subcommands:") {
      list = commands;
    } else if (line.empty() || line.front() != ' ') {
      list = none;
    } else if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      const auto end = line.find(' ', 2);
      const std::string first = line.substr(2, end == std::string::npos ? std::string::npos : end - 2);
      if (list == commands) {
        result.commands.push_back(first);
      } else if (list == options) {
        CliOption option;
        std::istringstream names(first);
        for (std::string name; std::getline(names, name, ',');) option.names.push_back(name);
        // "--tag TAG  Only..." has a type; "--all  Follow..." has two spaces and a description.
        option.takes_value = end != std::string::npos && end + 1 < line.size() && line[end + 1] != ' ';
        result.options.push_back(option);
      }
    }
  }
  return result;
}

CliHelp cli_help(const std::vector<std::string>& command) {
  auto argv = command;
  argv.emplace_back("--help");
  const auto result = run_process(argv);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return parse_cli_help(result.out);
}

namespace {

// Deeper than syncctl goes; stops a --help that lists its own command from recursing forever.
constexpr std::size_t max_depth = 4;

void add_commands(const std::string& program, const std::vector<std::string>& path, const CliHelp& help,
                  std::vector<CliCommand>& out) {
  for (const auto& name : help.commands) {
    CliCommand command{path, {}};
    command.path.push_back(name);
    INFO(program << " " << join_words(command.path));
    REQUIRE(command.path.size() <= max_depth);
    std::vector<std::string> argv = {program};
    argv.insert(argv.end(), command.path.begin(), command.path.end());
    command.help = cli_help(argv);
    out.push_back(command);
    add_commands(program, command.path, command.help, out);
  }
}

}  // namespace

std::vector<CliCommand> cli_commands(const std::string& program) {
  std::vector<CliCommand> commands;
  add_commands(program, {}, cli_help({program}), commands);
  return commands;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return std::filesystem::absolute(candidate).string();
  }
  return {};
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace bgsync::test
