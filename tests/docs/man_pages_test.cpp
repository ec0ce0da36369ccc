// The man pages as built: each has the sections a man page needs, documents everything its source
// has (every syncctl command at every depth and every option of each, every bgsyncd option, every
// part of PROTOCOL.md), and renders without a warning from groff (and mandoc, where installed).
#include "tests/docs/cli_help.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/skip.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace bgsync::test {
namespace {

const std::vector<std::string> pages = {"bgsyncd.8", "syncctl.1", "bgsync-protocol.7"};

std::string page_text(const std::string& page) { return read_text_file(std::string(BGSYNC_MAN_DIR) + "/" + page); }

// How a name appears in roff: every '-' escaped.
std::string roff(std::string_view name) {
  std::string out;
  for (const char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

bool has_section(const std::string& text, const std::string& title) {
  return text.find("\n.SH " + title + "\n") != std::string::npos ||
         text.find("\n.SH \"" + title + "\"\n") != std::string::npos;
}

// The text from a line starting with `start` to the next line starting with one of `ends`.
std::string slice(const std::string& text, const std::string& start, const std::vector<std::string>& ends) {
  const auto from = text.find("\n" + start);
  if (from == std::string::npos) return {};
  auto to = std::string::npos;
  for (const auto& end : ends) to = std::min(to, text.find("\n" + end, from + 1));
  return text.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

}  // namespace

TEST_CASE("each man page is generated with NAME, SYNOPSIS and DESCRIPTION", "[man]") {
  for (const auto& page : pages) {
    INFO(page);
    const std::string text = page_text(page);
    CHECK(text.size() > 2000);
    CHECK(text.find("\n.TH ") != std::string::npos);
    CHECK(has_section(text, "NAME"));
    CHECK(has_section(text, "SYNOPSIS"));
    CHECK(has_section(text, "DESCRIPTION"));
    CHECK(has_section(text, "SEE ALSO"));
  }
}

TEST_CASE("syncctl(1) documents every command, nested ones included, and every option", "[man]") {
  const std::string text = page_text("syncctl.1");
  const CliHelp main = cli_help({BGSYNC_SYNCCTL_PATH});
  REQUIRE(main.commands.size() >= 12);
  const std::string options = slice(text, ".SH \"OPTIONS\"", {".SH"});
  for (const auto& name : main.option_names()) {
    INFO(name);
    CHECK(options.find("\\fB\\%" + roff(name) + "\\fR") != std::string::npos);
  }
  const std::string synopsis = slice(text, ".SH \"SYNOPSIS\"", {".SH"});
  const auto commands = cli_commands(BGSYNC_SYNCCTL_PATH);
  // syncctl has nested commands (periodic register, cache get...): the walk must have found them.
  CHECK(std::any_of(commands.begin(), commands.end(), [](const CliCommand& c) { return c.path.size() > 1; }));
  std::map<std::string, std::size_t> positions;
  for (const auto& [path, help] : commands) {
    const std::string name = join_words(path);
    INFO("syncctl " << name);
    // The subsection's title is the usage without "syncctl": "periodic register [OPTIONS] tag url".
    std::string title = ".SS \"" + name + " ";
    if (text.find("\n" + title) == std::string::npos) title = ".SS \"" + name + "\"";
    const std::string section = slice(text, title, {".SS", ".SH"});
    REQUIRE(!section.empty());
    positions[name] = text.find("\n" + title);
    if (path.size() > 1) {
      // Right after the command it belongs to: "periodic register" follows "periodic".
      const std::vector<std::string> parent(path.begin(), path.end() - 1);
      CHECK(positions.at(join_words(parent)) < positions[name]);
    }
    // In SYNOPSIS, its words bold (a command that only dispatches shows in its subcommands' lines).
    std::string words = "\\fB\\%syncctl\\fR";
    for (const auto& word : path) words += " \\fB\\%" + roff(word) + "\\fR";
    CHECK(synopsis.find(words) != std::string::npos);
    for (const auto& option : help.option_names()) {
      if (option == "-h" || option == "--help") continue;  // said once, under OPTIONS
      INFO(option);
      CHECK(section.find("\\fB\\%" + roff(option) + "\\fR") != std::string::npos);
    }
    if (help.has_examples) CHECK(section.find("\\fIExamples:\\fR") != std::string::npos);
  }
}

TEST_CASE("bgsyncd(8) documents every option", "[man]") {
  const std::string text = page_text("bgsyncd.8");
  const std::string options = slice(text, ".SH \"OPTIONS\"", {".SH"});
  const auto names = cli_help({BGSYNC_DAEMON_PATH}).long_options();
  REQUIRE(names.size() >= 20);
  for (const auto& name : names) {
    INFO(name);
    CHECK(options.find("\\fB\\%" + roff(name) + "\\fR") != std::string::npos);
  }
  for (const auto& section : {"FILES", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES"}) {
    INFO(section);
    CHECK(has_section(text, section));
  }
}

TEST_CASE("bgsync-protocol(7) has every heading, table, example and code word of PROTOCOL.md", "[man]") {
  const std::string markdown = read_text_file(BGSYNC_PROTOCOL_MD);
  const std::string text = page_text("bgsync-protocol.7");
  const auto count = [](const std::string& haystack, const std::regex& pattern) {
    return std::distance(std::sregex_iterator(haystack.begin(), haystack.end(), pattern), std::sregex_iterator());
  };
  // "## 1. Transport" becomes .SH "1. TRANSPORT"; "### hello" .SS "hello".
  CHECK(count(markdown, std::regex("\n## ")) == count(text, std::regex("\n\\.SH \"[0-9]+\\. ")));
  CHECK(count(markdown, std::regex("\n### ")) == count(text, std::regex("\n\\.SS ")));
  CHECK(count(markdown, std::regex("\n\\|[-| ]+\\|\n")) == count(text, std::regex("\n\\.TS\n")));
  CHECK(count(markdown, std::regex("\n```")) == 2 * count(text, std::regex("\n\\.EX\n")));
  // Every operation, field, state and error code (`code` words) survives the conversion.
  const std::regex word("`([a-z_]+)`");
  for (auto it = std::sregex_iterator(markdown.begin(), markdown.end(), word); it != std::sregex_iterator(); ++it) {
    const std::string code = (*it)[1].str();
    INFO(code);
    CHECK((text.find("\\fB" + code + "\\fR") != std::string::npos ||
           text.find("\\fB\\%" + code + "\\fR") != std::string::npos));
  }
  CHECK(text.rfind("'\\\" t\n", 0) == 0);  // tells man(1) to run tbl
}

TEST_CASE("groff renders each man page without a warning", "[man]") {
  const std::string groff = find_on_path("groff");
  if (groff.empty()) {
    BGSYNC_SKIP("groff is not installed (Debian: groff-base); the man pages were not rendered");
  }
  for (const auto& page : pages) {
    INFO(page);
    const auto result = run_process({groff, "-man", "-t", "-Tutf8", "-ww", "-z", std::string(BGSYNC_MAN_DIR) + "/" + page});
    CHECK(result.exit_code == 0);
    CHECK(result.err == "");
  }
}

TEST_CASE("mandoc finds no error in the man pages", "[man]") {
  const std::string mandoc = find_on_path("mandoc");
  if (mandoc.empty()) {
    BGSYNC_SKIP("mandoc is not installed; the man pages were not linted");
  }
  for (const auto& page : pages) {
    INFO(page);
    const auto result = run_process({mandoc, "-Tlint", "-W", "error", std::string(BGSYNC_MAN_DIR) + "/" + page});
    CHECK(result.out + result.err == "");
  }
}

}  // namespace bgsync::test
