// roff for man(7) pages: escaping text so troff prints it as written, and the page skeleton (.TH,
// NAME, sections, include files) shared by the --help and the Markdown generators.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bgsync::mangen {

// How a piece of text is escaped. Literal text (code, option names, commands) also protects the
// characters troff would print as typographic ones (- ' ` ^ ~), so it can be copied back into a
// shell; prose keeps hyphens and apostrophes as troff sets them.
enum class Style { prose, literal };

// Escapes text for use inside a roff text line: backslashes, troff's special characters, and
// every non-ASCII character as \[uXXXX] (troff reads its input as Latin-1 otherwise).
std::string escape(std::string_view text, Style style = Style::prose);

// A quoted macro argument ("..."), for .SH/.SS/.TH.
std::string quoted(std::string_view text);

// Makes escaped text safe as a whole input line: a leading '.' or '\'' would make it a request.
std::string text_line(std::string_view escaped);

// Joins lines of wrapped text into one: each trimmed, one space between.
std::string join_lines(const std::vector<std::string>& lines);

struct Section {
  std::string title;  // as shown: "SYNOPSIS", "SEE ALSO"
  std::string body;   // roff input lines, each ending in '\n'
};

struct PageInfo {
  std::string name;     // "syncctl"
  int section = 1;      // 1, 7, 8
  std::string date;     // "2026-11-24"
  std::string source;   // "bgsync 0.1.0"
  std::string manual;   // "User Commands"; empty: the usual title for the section
  std::string summary;  // the NAME line after "name \-" (unescaped); empty: derived by the generator
};

struct Page {
  PageInfo info;
  std::string generator_note;  // one line for the header comment: what the page was made from
  // Lines left-aligned rather than justified: for text full of long code words, which would
  // otherwise leave wide gaps (or lines troff cannot adjust at all).
  bool ragged_right = false;
  std::vector<Section> sections;
};

// Adds the sections of an include file to the page. The file holds "[SECTION TITLE]" lines, each
// followed by roff lines for that section; blank lines and lines starting with '#' before the first
// section are ignored. A section the page already has is extended; a new one goes where man pages
// usually have it (SYNOPSIS after NAME, SEE ALSO last, others before SEE ALSO).
// Returns an error message, or "" on success.
std::string merge_include(Page& page, std::string_view include_text);

// The whole page: '\" t when it has tables, the header comment, .TH, NAME, then the sections.
std::string render(const Page& page);

}  // namespace bgsync::mangen
