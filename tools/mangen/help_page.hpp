// A man page made from a program's --help (and its subcommands' --help, at every depth): NAME and
// SYNOPSIS from the first line and the "Usage:" lines, DESCRIPTION, OPTIONS, COMMANDS (one
// subsection each, "periodic register" right after "periodic"), then the footer's sections
// (EXAMPLES, FILES, ENVIRONMENT, EXIT STATUS...) under their own titles.
#pragma once

#include <string>
#include <vector>

#include "tools/mangen/help_text.hpp"
#include "tools/mangen/roff.hpp"

namespace bgsync::mangen {

// A command's --help and, when it has a Subcommands list, each of those commands' in turn
// (`syncctl periodic register --help` under `syncctl periodic --help`).
struct CommandHelp {
  std::string name;  // "register"
  HelpText help;
  std::vector<CommandHelp> subcommands;  // in the order of its Subcommands list
};

struct ProgramHelp {
  HelpText main;
  std::vector<CommandHelp> subcommands;  // in the order of the Subcommands list
};

// The page. info.summary, when empty, is derived from the first description line
// ("syncctl — control bgsyncd, the Background Sync daemon: ..." gives "control bgsyncd, the
// Background Sync daemon").
Page make_help_page(const ProgramHelp& help, PageInfo info);

// Help text prose as roff: `quoted` words and --options in bold, runs of spaces collapsed.
std::string help_prose(std::string_view text);

}  // namespace bgsync::mangen
