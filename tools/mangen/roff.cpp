// roff escaping and page assembly for the man page generators (see roff.hpp).
#include "tools/mangen/roff.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

namespace bgsync::mangen {

namespace {

// Decodes one UTF-8 sequence at text[i], advancing i; invalid bytes come back as U+FFFD.
std::uint32_t decode_utf8(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : -1;
  if (extra < 0 || i + extra >= text.size()) {
    ++i;
    return 0xFFFD;
  }
  std::uint32_t code = lead & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  i += extra + 1;
  return code;
}

int section_rank(std::string_view title) {
  if (title == "NAME") return 0;
  if (title == "SYNOPSIS") return 1;
  if (title == "DESCRIPTION") return 2;
  if (title == "SEE ALSO") return 4;
  return 3;
}

std::string default_manual(int section) {
  switch (section) {
    case 1: return "User Commands";
    case 5: return "File Formats Manual";
    case 7: return "Miscellaneous Information Manual";
    case 8: return "System Manager's Manual";
    default: return "bgsync Manual";
  }
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace

std::string escape(std::string_view text, Style style) {
  const bool literal = style == Style::literal;
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const std::uint32_t code = decode_utf8(text, i);
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\[u%04X]", static_cast<unsigned>(code));
      out += buf;
      continue;
    }
    ++i;
    switch (c) {
      case '\\': out += "\\e"; break;
      // troff sets these as typographic characters in UTF-8 output (U+02DC, U+02C6).
      case '~': out += "\\(ti"; break;
      case '^': out += "\\(ha"; break;
      case '-': out += literal ? "\\-" : "-"; break;
      case '\'': out += literal ? "\\(aq" : "'"; break;
      case '`': out += literal ? "\\(ga" : "`"; break;
      case '\t': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : escape(text)) {
    if (c == '"') {
      out += "\\(dq";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string text_line(std::string_view escaped) {
  if (!escaped.empty() && (escaped.front() == '.' || escaped.front() == '\'')) return "\\&" + std::string(escaped);
  return std::string(escaped);
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t");
    if (!out.empty()) out += ' ';
    out.append(line, first, last - first + 1);
  }
  return out;
}

std::string merge_include(Page& page, std::string_view include_text) {
  Section* current = nullptr;
  std::size_t line_no = 0;
  while (!include_text.empty()) {
    const auto end = include_text.find('\n');
    const std::string_view line = include_text.substr(0, end);
    include_text.remove_prefix(end == std::string_view::npos ? include_text.size() : end + 1);
    ++line_no;
    if (line.size() >= 2 && line.front() == '[' && line.back() == ']') {
      const std::string title(line.substr(1, line.size() - 2));
      auto found = std::find_if(page.sections.begin(), page.sections.end(),
                                [&](const Section& s) { return s.title == title; });
      if (found == page.sections.end()) {
        // Before the first section of a higher rank: stable, and SEE ALSO stays last.
        const int rank = section_rank(title);
        auto at = std::find_if(page.sections.begin(), page.sections.end(),
                               [&](const Section& s) { return section_rank(s.title) > rank; });
        found = page.sections.insert(at, Section{title, {}});
      }
      current = &*found;
      continue;
    }
    if (current == nullptr) {
      if (line.empty() || line.front() == '#') continue;
      return "line " + std::to_string(line_no) + ": text before the first [SECTION] line";
    }
    current->body.append(line).push_back('\n');
  }
  return {};
}

std::string render(const Page& page) {
  const PageInfo& info = page.info;
  std::string body;
  for (const auto& section : page.sections) body += ".SH " + quoted(section.title) + "\n" + section.body;

  std::string out;
  // man(1) runs tbl for a page whose first line names it.
  if (body.find("\n.TS\n") != std::string::npos) out += "'\\\" t\n";
  out += ".\\\" " + info.name + "(" + std::to_string(info.section) + "): generated by bgsync-mangen; do not edit.\n";
  if (!page.generator_note.empty()) out += ".\\\" " + page.generator_note + "\n";
  out += ".TH " + quoted(upper(info.name)) + " " + std::to_string(info.section) + " " + quoted(info.date) + " " +
         quoted(info.source) + " " + quoted(info.manual.empty() ? default_manual(info.section) : info.manual) + "\n";
  if (page.ragged_right) out += ".ad l\n";
  out += ".SH NAME\n" + escape(info.name, Style::literal) + " \\- " + escape(info.summary) + "\n";
  return out + body;
}

}  // namespace bgsync::mangen
