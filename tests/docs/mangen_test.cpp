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

  mangen::ProgramHelp program{parsed, {{"go", mangen::parse_help("Go somewhere\n\nUsage: tool go [OPTIONS] where\n")}}};
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
