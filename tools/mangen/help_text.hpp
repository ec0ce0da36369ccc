// The layout of a CLI11 --help text, as bgsyncd and syncctl print it: description paragraphs, a
// "Usage:" line, titled lists (Positionals:, Options:, Subcommands:), then a footer of sections
// with UPPER CASE titles at the left margin and indented content.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bgsync::mangen {

struct HelpEntry {
  std::vector<std::string> names;  // {"-X", "--request"}; a positional's or subcommand's name
  std::string type;                // "METHOD", "N:UINT in [1 - 1000]", "URL REQUIRED"; "" for a flag
  std::vector<std::string> description;  // its lines, the continuation lines unindented
};

struct HelpList {
  std::string title;  // "Options" (without the colon)
  std::vector<HelpEntry> entries;
};

struct HelpFooterSection {
  std::string title;               // "EXAMPLES"; "" for text before the first title
  std::vector<std::string> lines;  // as printed, indentation kept, blank lines included
};

struct HelpText {
  std::vector<std::vector<std::string>> description;  // paragraphs, each a list of lines
  std::string usage;                                  // after "Usage: "
  std::vector<HelpList> lists;
  std::vector<HelpFooterSection> footer;

  const HelpList* list(std::string_view title) const;
};

// Parses --help output. Any text parses; lines that fit nowhere end up in the footer.
HelpText parse_help(std::string_view text);

// Splits a line at its first run of two or more spaces after the indentation: {left, right}, or
// {line without indentation, ""} when there is none.
std::pair<std::string, std::string> split_columns(std::string_view line);

// The number of leading spaces.
std::size_t indentation(std::string_view line);

}  // namespace bgsync::mangen
