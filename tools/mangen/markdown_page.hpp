// A man page made from a Markdown document, for the subset proto/PROTOCOL.md uses: ATX headings,
// paragraphs, fenced code blocks, pipe tables, nested "-" and "1." lists, `code` (any number of
// backticks), **bold**, [links](#anchor) and backslash escapes. No raw HTML, no setext headings.
//
// The first "# " heading names the page (its text becomes the NAME line), text before the first
// "## " heading is the DESCRIPTION, each "## " heading a section, deeper headings subsections.
// A paragraph starting "Contents:" (a table of contents of anchor links) is left out: a man page
// has no links to follow.
#pragma once

#include <string>
#include <string_view>

#include "tools/mangen/roff.hpp"

namespace bgsync::mangen {

// info.summary, when empty, is the first heading's text with its first letter in lower case.
Page make_markdown_page(std::string_view markdown, PageInfo info);

// Markdown inline text (code, bold, links, escapes) as roff, for one paragraph or table cell.
std::string markdown_inline(std::string_view text);

}  // namespace bgsync::mangen
