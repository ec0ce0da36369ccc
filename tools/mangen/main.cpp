// bgsync-mangen: writes bgsync's man pages at build time from their single sources, so a page can
// never disagree with the program or the protocol document it describes.
//   bgsync-mangen help PROGRAM --name syncctl --section 1 ...   runs PROGRAM --help (and, when it
//       lists subcommands, PROGRAM COMMAND --help for each, and PROGRAM COMMAND SUBCOMMAND --help
//       for those a command lists in turn) and turns the text into a page;
//   bgsync-mangen markdown FILE.md --name bgsync-protocol --section 7 ...   converts the document.
// Both take --include FILE (roff for sections the source cannot give: SEE ALSO...) and write the
// page to --output atomically (a failed run leaves no half-written page behind).
#include "tools/mangen/help_page.hpp"
#include "tools/mangen/markdown_page.hpp"
#include "tools/mangen/roff.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace mangen = bgsync::mangen;

namespace {

// Runs argv and returns what it printed on stdout, or nullopt (with a message on stderr) when it
// cannot be run or exits with a status other than 0.
std::optional<std::string> output_of(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) {
    std::cerr << "bgsync-mangen: pipe: " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "bgsync-mangen: cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    std::cerr << "bgsync-mangen: fork: " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
    std::cerr << "bgsync-mangen: `" << command << "` failed (status " << status << ")\n";
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "bgsync-mangen: cannot read " << path << ": " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::cerr << "bgsync-mangen: cannot write " << temporary << ": " << std::strerror(errno) << "\n";
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::cerr << "bgsync-mangen: cannot rename " << temporary << " to " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

// Deeper than any real command line goes; a --help that lists its own command again would
// otherwise have mangen recurse until it runs out of processes.
constexpr std::size_t max_command_depth = 4;

// Runs `program path... NAME --help` for each NAME in help's Subcommands list, and so on down,
// appending what they print to `out`. False (with a message on stderr) when one fails.
bool add_subcommands(const std::string& program, std::vector<std::string>& path, const mangen::HelpText& help,
                     std::vector<mangen::CommandHelp>& out) {
  const auto* commands = help.list("Subcommands");
  if (commands == nullptr) return true;
  if (path.size() >= max_command_depth) {
    std::string command = program;
    for (const auto& word : path) command += " " + word;
    std::cerr << "bgsync-mangen: `" << command << " --help` lists subcommands more than " << max_command_depth
              << " levels deep; does a command's help list the command itself?\n";
    return false;
  }
  for (const auto& entry : commands->entries) {
    path.push_back(entry.names.front());
    std::vector<std::string> argv = {program};
    argv.insert(argv.end(), path.begin(), path.end());
    argv.emplace_back("--help");
    const auto text = output_of(argv);
    if (!text) return false;
    mangen::CommandHelp command{path.back(), mangen::parse_help(*text), {}};
    if (!add_subcommands(program, path, command.help, command.subcommands)) return false;
    out.push_back(std::move(command));
    path.pop_back();
  }
  return true;
}

std::optional<mangen::ProgramHelp> program_help(const std::string& program) {
  mangen::ProgramHelp help;
  const auto main_text = output_of({program, "--help"});
  if (!main_text) return std::nullopt;
  help.main = mangen::parse_help(*main_text);
  std::vector<std::string> path;
  if (!add_subcommands(program, path, help.main, help.subcommands)) return std::nullopt;
  return help;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("bgsync-mangen: write a man page from a program's --help or from a Markdown document", "bgsync-mangen");
  app.require_subcommand(1);
  mangen::PageInfo info;
  std::string input;
  std::string include;
  std::string output;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--name", info.name, "The page's name (also the program's name in its help)")->required();
    sub->add_option("--section", info.section, "The manual section: 1, 7, 8...")->required();
    sub->add_option("--date", info.date, "The date in the page's footer (YYYY-MM-DD)")->required();
    sub->add_option("--source", info.source, "What it documents, e.g. \"bgsync 0.1.0\"")->required();
    sub->add_option("--manual", info.manual, "The manual's title (default: the usual one for the section)");
    sub->add_option("--summary", info.summary, "The NAME line's text (default: derived from the source)");
    sub->add_option("--include", include, "Roff for extra sections: \"[TITLE]\" lines, each followed by its text")
        ->check(CLI::ExistingFile);
    sub->add_option("-o,--output", output, "The page to write")->required();
  };
  auto* help_cmd = app.add_subcommand("help", "Make the page from PROGRAM --help (and PROGRAM COMMAND [SUBCOMMAND] --help)");
  help_cmd->add_option("program", input, "The program, by path")->required()->check(CLI::ExistingFile);
  add_common(help_cmd);
  auto* markdown_cmd = app.add_subcommand("markdown", "Make the page from a Markdown document");
  markdown_cmd->add_option("document", input, "The .md file")->required()->check(CLI::ExistingFile);
  add_common(markdown_cmd);
  CLI11_PARSE(app, argc, argv);

  mangen::Page page;
  if (help_cmd->parsed()) {
    const auto help = program_help(input);
    if (!help) return 1;
    page = mangen::make_help_page(*help, info);
  } else {
    const auto text = read_file(input);
    if (!text) return 1;
    page = mangen::make_markdown_page(*text, info);
    page.generator_note = "made from " + input.substr(input.find_last_of('/') + 1);
  }
  if (!include.empty()) {
    const auto text = read_file(include);
    if (!text) return 1;
    if (const std::string error = mangen::merge_include(page, *text); !error.empty()) {
      std::cerr << "bgsync-mangen: " << include << ": " << error << "\n";
      return 1;
    }
  }
  return write_file(output, mangen::render(page)) ? 0 : 1;
}
