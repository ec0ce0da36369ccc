// What the docs tests compare the man pages and completions against: the commands and options a
// CLI11 --help text lists. Parsed here on its own, not with tools/mangen's parser, so a bug there
// cannot hide itself.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bgsync::test {

struct CliOption {
  std::vector<std::string> names;  // {"-X", "--request"}
  bool takes_value = false;        // a type name follows the names ("--tag TAG")
};

struct CliHelp {
  std::vector<std::string> commands;  // the Subcommands: list
  std::vector<CliOption> options;     // the Options: list
  bool has_examples = false;          // an EXAMPLES section follows the lists

  std::vector<std::string> option_names() const;
  std::vector<std::string> long_options() const;  // "--retry-base"...
};

CliHelp parse_cli_help(std::string_view help);

// `program args... --help`, parsed; fails the test if it does not exit 0.
CliHelp cli_help(const std::vector<std::string>& command);

struct CliCommand {
  std::vector<std::string> path;  // the words after the program: {"periodic", "register"}
  CliHelp help;
};

// Every command `program --help` lists, and every command those list in turn (`syncctl periodic
// register`), each right after the command it belongs to.
std::vector<CliCommand> cli_commands(const std::string& program);

// "periodic register".
std::string join_words(const std::vector<std::string>& words);

// The absolute path of a program on $PATH, or "" when there is none.
std::string find_on_path(std::string_view name);

std::string read_text_file(const std::string& path);

}  // namespace bgsync::test
