// tools/mangen on small inputs: roff escaping, the Markdown subset PROTOCOL.md uses, the CLI11
// --help layout (including its quirks), and include files.
#include "tools/mangen/help_page.hpp"
#include "tools/mangen/help_text.hpp"
#include "tools/mangen/markdown_page.hpp"
#include "tools/mangen/roff.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace mangen = bgsync::mangen;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

mangen::PageInfo info(const std::string& name, int section) { return {name, section, "2026-01-01", "bgsync 0.1.0", "", ""}; }

}  // namespace

TEST_CASE("roff escaping keeps text as written", "[mangen]") {
  CHECK(mangen::escape("a\\b") == "a\\eb");
  CHECK(mangen::escape("--json 'x' `y` ~/a^b", mangen::Style::literal) == "\\-\\-json \\(aqx\\(aq \\(gay\\(ga \\(ti/a\\(hab");
  CHECK(mangen::escape("don't re-try") == "don't re-try");
  CHECK(mangen::escape("a \u2014 \u2264 1") == "a \\[u2014] \\[u2264] 1");
  CHECK(mangen::text_line(".hidden") == "\\&.hidden");
  CHECK(mangen::text_line("'quote") == "\\&'quote");
  CHECK(mangen::quoted("say \"hi\"") == "\"say \\(dqhi\\(dq\"");
}

TEST_CASE("Markdown: headings, code spans, tables with '|' in code, nested lists, code blocks", "[mangen]") {
  const std::string markdown =
      "# The thing, version 1\n\nIntro with `code` and **bold** and a [link](#x).\n\n"
      "Contents: [a](#a) · [b](#b)\n\n"
      "## 1. First\n\n"
      "| field | notes |\n|-------|-------|\n| `a` | token chars ``!#`|~`` here |\n\n"
      "- one\n  continued\n  1. nested\n  2. again\n- two\n\n"
      "### sub\n```json\n{\"op\": 'x'}\n.dot\n```\n(after)\n";
  const auto page = mangen::make_markdown_page(markdown, info("thing", 7));
  CHECK(page.info.summary == "the thing, version 1");
  REQUIRE(page.sections.size() == 2);
  const std::string description = page.sections[0].body;
  CHECK(page.sections[0].title == "DESCRIPTION");
  CHECK(contains(description, "\\fB\\%code\\fR"));
  CHECK(contains(description, "\\fBbold\\fR"));
  CHECK(contains(description, "a link."));
  CHECK(!contains(description, "Contents"));
  const std::string body = page.sections[1].body;
  CHECK(page.sections[1].title == "1. FIRST");
  CHECK(contains(body, ".TS\n"));
  CHECK(contains(body, "!#\\(ga|\\(ti"));  // the '|' inside ``...`` did not split the cell
  CHECK(contains(body, ".IP \\(bu 2\none continued\n.RS\n.IP 1. 4\nnested\n.IP 2. 4\nagain\n.RE\n.IP \\(bu 2\ntwo\n"));
  CHECK(contains(body, ".SS \"sub\"\n.PP\n.RS 4\n.EX\n{\"op\": \\(aqx\\(aq}\n\\&.dot\n.EE\n.RE\n.PP\n(after)\n"));
  CHECK(mangen::render(page).rfind("'\\\" t\n", 0) == 0);
}

TEST_CASE("help text: lists, a name that fills its column, footer terms, verbatim blocks and examples", "[mangen]") {
  const std::string help =
      "tool — do things: in detail.\n\nMore text.\n\nUsage: tool [OPTIONS] SUBCOMMAND\n\nOptions:\n"
      "  -h,--help        Print help\n"
      "  --tag TAG        A tag\n"
      "                   on two lines\n"
      "  -H,--hdr 'N' ... Add a header\n"  // fills the column: one space before the description
      "  --very-long-option-name VALUE\n"
      "                   Described below\n\n"
      "Subcommands:\n  go               Go somewhere\n\n"
      "FILES\n  ~/.toolrc  the config\n      file, continued.\n\n"
      "CONFIGURATION\n  A paragraph\n  on two lines:\n      key = \"value\"\n  After.\n\n"
      "EXAMPLES\n  tool go --far   go far\n  tool go \\\n      --near\n";
  const auto parsed = mangen::parse_help(help);
  REQUIRE(parsed.list("Options") != nullptr);
  const auto& options = parsed.list("Options")->entries;
  REQUIRE(options.size() == 4);
  CHECK(options[2].names == std::vector<std::string>{"-H", "--hdr"});
  CHECK(options[2].type == "'N' ...");
  CHECK(options[2].description == std::vector<std::string>{"Add a header"});
  CHECK(options[3].description == std::vector<std::string>{"Described below"});

  mangen::ProgramHelp program{parsed, {{"go", mangen::parse_help("Go somewhere\n\nUsage: tool go [OPTIONS] where\n"), {}}}};
  const auto page = mangen::make_help_page(program, info("tool", 1));
  CHECK(page.info.summary == "do things");
  const std::string roff = mangen::render(page);
  CHECK(contains(roff, ".TP\n\\fB\\%\\-\\-tag\\fR \\fITAG\\fR\nA tag on two lines\n"));
  CHECK(contains(roff, ".SH \"FILES\"\n.TP\n\\fB\\%\\(ti/.toolrc\\fR\nthe config file, continued.\n"));
  CHECK(contains(roff, ".PP\nA paragraph on two lines:\n.PP\n.RS 4\n.EX\nkey = \"value\"\n.EE\n.RE\n.PP\nAfter.\n"));
  CHECK(contains(roff, ".EX\n\\fB\\%tool go \\-\\-far\\fR\n.EE\n.RS\ngo far\n.RE\n"));
  CHECK(contains(roff, ".EX\n\\fB\\%tool go \\e\\fR\n\\fB\\%    \\-\\-near\\fR\n.EE\n"));
  CHECK(contains(roff, ".SS \"go [OPTIONS] where\"\n"));
  CHECK(contains(roff, "\\fB\\%tool\\fR \\fB\\%go\\fR [\\fIOPTIONS\\fR] \\fIwhere\\fR"));
}

TEST_CASE("help page: a command's subcommands get subsections of their own, right after it", "[mangen]") {
  const auto parse = [](const char* text) { return mangen::parse_help(text); };
  const mangen::CommandHelp far{"far",
                                parse("Go far\n\nGo far away, in detail.\n\nUsage: tool go far [OPTIONS] where\n\n"
                                      "Positionals:\n  where TEXT REQUIRED  Where to\n\n"
                                      "Options:\n  -h,--help            Print help\n  --speed N REQUIRED   How fast\n\n\n"
                                      "EXAMPLES\n  tool go far --speed 3 moon\n\nShared note.\n"),
                                {}};
  const mangen::CommandHelp near{"near", parse("Go near\n\nUsage: tool go near [OPTIONS]\n\nShared note.\n"), {}};
  const mangen::CommandHelp go{"go",
                               parse("Go somewhere\n\nUsage: tool go [OPTIONS] SUBCOMMAND\n\n"
                                     "Options:\n  -h,--help  Print help\n\nSubcommands:\n  far   Go far\n  near  Go near\n\n\n"
                                     "Shared note.\n"),
                               {far, near}};
  const mangen::CommandHelp here{"here", parse("Stay here\n\nUsage: tool stay here [OPTIONS]\n\nShared note.\n"), {}};
  const mangen::CommandHelp stay{"stay", parse("Stay\n\nUsage: tool stay [OPTIONS] [SUBCOMMAND]\n\nShared note.\n"), {here}};
  const mangen::ProgramHelp program{
      parse("tool \u2014 do things\n\nUsage: tool [OPTIONS] SUBCOMMAND\n\nSubcommands:\n  go    Go somewhere\n  stay  Stay\n"),
      {go, stay}};
  const std::string roff = mangen::render(mangen::make_help_page(program, info("tool", 1)));
  CHECK(contains(roff, "and each `tool COMMAND [SUBCOMMAND] --help`"));
  // SYNOPSIS has the lines that run something: not `tool go SUBCOMMAND`, which only dispatches,
  // but `tool stay [SUBCOMMAND]`, which also runs on its own.
  CHECK(contains(roff, "\n\\fB\\%tool\\fR \\fB\\%go\\fR \\fB\\%far\\fR [\\fIOPTIONS\\fR] \\fIwhere\\fR\n"));
  CHECK(contains(roff, "\n\\fB\\%tool\\fR \\fB\\%go\\fR \\fB\\%near\\fR [\\fIOPTIONS\\fR]\n"));
  CHECK(!contains(roff, "\\fB\\%tool\\fR \\fB\\%go\\fR [\\fIOPTIONS\\fR]"));
  CHECK(contains(roff, "\n\\fB\\%tool\\fR \\fB\\%stay\\fR [\\fIOPTIONS\\fR] [\\fISUBCOMMAND\\fR]\n"));
  CHECK(contains(roff, "\n\\fB\\%tool\\fR \\fB\\%stay\\fR \\fB\\%here\\fR [\\fIOPTIONS\\fR]\n"));
  // Each command, nested ones too, in the style of the others: description, arguments, options
  // (not --help; CLI11's REQUIRED said in words), examples.
  CHECK(contains(roff, ".SS \"go far [OPTIONS] where\"\n.PP\nGo far away, in detail.\n.TP\n\\fIwhere\\fR\nWhere to\n"
                       ".TP\n\\fB\\%\\-\\-speed\\fR \\fIN\\fR (required)\nHow fast\n.PP\n\\fIExamples:\\fR\n.PP\n.EX\n"
                       "\\fB\\%tool go far \\-\\-speed 3 moon\\fR\n.EE\n.SS"));
  const auto at = [&](const std::string& title) { return roff.find("\n.SS \"" + title + " [OPTIONS]"); };
  CHECK(at("go") < at("go far"));
  CHECK(at("go far") < at("go near"));
  CHECK(at("go near") < at("stay"));
  CHECK(at("stay") < at("stay here"));
  CHECK(at("stay here") != std::string::npos);
  // What every command says, said once, at the top of COMMANDS.
  CHECK(contains(roff, ".SH \"COMMANDS\"\n.PP\nShared note.\n.SS"));
  CHECK(roff.find("Shared note.") == roff.rfind("Shared note."));
}

TEST_CASE("include files add sections where man pages have them", "[mangen]") {
  mangen::Page page{info("tool", 1), "", false, {{"DESCRIPTION", ".PP\nText.\n"}, {"OPTIONS", ""}}};
  CHECK(mangen::merge_include(page, "# comment\n[SEE ALSO]\n.BR other (1)\n[SYNOPSIS]\n.B tool\n[OPTIONS]\n.PP\nMore.\n") == "");
  REQUIRE(page.sections.size() == 4);
  CHECK(page.sections[0].title == "SYNOPSIS");
  CHECK(page.sections[1].title == "DESCRIPTION");
  CHECK(page.sections[2].body == ".PP\nMore.\n");
  CHECK(page.sections[3].title == "SEE ALSO");
  CHECK(mangen::merge_include(page, "stray text\n") == "line 1: text before the first [SECTION] line");
}
