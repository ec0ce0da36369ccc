// Markdown to man(7) roff (see markdown_page.hpp). Blocks are read line by line; tables become
// tbl(1) tables, with the widest columns made into wrapping text blocks until the table fits an
// 80-column terminal.
#include "tools/mangen/markdown_page.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace bgsync::mangen {

namespace {

// Width available to a table inside a section at MANWIDTH=80 (78 columns, indented 7).
constexpr std::size_t table_width = 71;

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string line(text.substr(0, end));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool blank(std::string_view line) { return trim(line).empty(); }
bool is_fence(std::string_view line) { return trim(line).substr(0, 3) == "```"; }

int heading_level(std::string_view line) {
  const auto hashes = line.find_first_not_of('#');
  if (hashes == 0 || hashes > 6 || hashes == std::string_view::npos || line[hashes] != ' ') return 0;
  return static_cast<int>(hashes);
}

bool is_table_separator(std::string_view line) {
  line = trim(line);
  return !line.empty() && line.find('-') != std::string_view::npos &&
         line.find_first_not_of("|-: ") == std::string_view::npos;
}

struct Marker {
  std::size_t indent;   // of the marker
  std::size_t content;  // where the item's text starts
  bool ordered;
  std::string text;  // "1." or "-"
};

std::optional<Marker> list_marker(std::string_view line) {
  const auto indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos) return std::nullopt;
  std::size_t end = indent;
  bool ordered = false;
  if (std::string_view("-*+").find(line[indent]) != std::string_view::npos) {
    end = indent + 1;
  } else {
    while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
    if (end == indent || end - indent > 9 || end >= line.size() || (line[end] != '.' && line[end] != ')')) return std::nullopt;
    ordered = true;
    ++end;
  }
  if (end >= line.size() || line[end] != ' ') return std::nullopt;
  const auto content = line.find_first_not_of(' ', end);
  if (content == std::string_view::npos) return std::nullopt;
  return Marker{indent, content, ordered, std::string(line.substr(indent, end - indent))};
}

// Splits "| a | `x|y` | b |" into cells; a '|' inside a code span or after '\' does not split.
std::vector<std::string> table_cells(std::string_view row) {
  row = trim(row);
  if (!row.empty() && row.front() == '|') row.remove_prefix(1);
  if (!row.empty() && row.back() == '|' && (row.size() < 2 || row[row.size() - 2] != '\\')) row.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '`') {
      std::size_t run = row.find_first_not_of('`', i);
      if (run == std::string_view::npos) run = row.size();
      const std::string_view ticks = row.substr(i, run - i);
      std::size_t close = row.find(ticks, run);
      while (close != std::string_view::npos && close + ticks.size() < row.size() && row[close + ticks.size()] == '`') {
        close = row.find(ticks, row.find_first_not_of('`', close));
      }
      const std::size_t end = close == std::string_view::npos ? run : close + ticks.size();
      cell.append(row.substr(i, end - i));
      i = end - 1;
    } else if (row[i] == '|') {
      cells.emplace_back(trim(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  cells.emplace_back(trim(cell));
  return cells;
}

// What a cell shows, roughly: its characters without markup.
std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '`' || c == '*' || (c & 0xC0) == 0x80) continue;
    ++width;
  }
  return width;
}

struct Item {
  Marker marker;
  std::vector<std::string> lines;
  std::vector<Item> children;
};

class Converter {
 public:
  explicit Converter(PageInfo info) : page_{std::move(info), {}, true, {}} {}

  Page run(const std::vector<std::string>& lines) {
    for (std::size_t i = 0; i < lines.size();) i = block(lines, i);
    if (page_.info.summary.empty()) page_.info.summary = "the " + page_.info.name + " document";
    return std::move(page_);
  }

 private:
  std::string& out() {
    if (page_.sections.empty()) page_.sections.push_back({"DESCRIPTION", {}});
    return page_.sections.back().body;
  }

  // Handles the block starting at lines[i]; returns the index after it.
  std::size_t block(const std::vector<std::string>& lines, std::size_t i) {
    const std::string& line = lines[i];
    if (blank(line)) return i + 1;
    if (is_fence(line)) return code(lines, i);
    if (const int level = heading_level(line)) {
      heading(level, trim(std::string_view(line).substr(level)));
      return i + 1;
    }
    if (trim(line).front() == '|' && i + 1 < lines.size() && is_table_separator(lines[i + 1])) return table(lines, i);
    if (list_marker(line)) return list(lines, i);
    return paragraph(lines, i);
  }

  void heading(int level, std::string_view text) {
    if (level == 1 && page_.info.summary.empty()) {
      std::string summary(text);
      if (summary.size() > 1 && std::isupper(static_cast<unsigned char>(summary[0])) &&
          std::islower(static_cast<unsigned char>(summary[1]))) {
        summary[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(summary[0])));
      }
      page_.info.summary = summary;
    } else if (level == 2) {
      std::string title(text);
      std::transform(title.begin(), title.end(), title.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      page_.sections.push_back({title, {}});
    } else if (level > 2) {
      out() += ".SS " + quoted(text) + "\n";
    }
  }

  std::size_t code(const std::vector<std::string>& lines, std::size_t i) {
    std::string& body = out();
    body += ".PP\n.RS 4\n.EX\n";
    for (++i; i < lines.size() && !is_fence(lines[i]); ++i) {
      body += lines[i].empty() ? "\\&\n" : text_line(escape(lines[i], Style::literal)) + "\n";
    }
    body += ".EE\n.RE\n";
    return i + 1;
  }

  std::size_t paragraph(const std::vector<std::string>& lines, std::size_t i) {
    std::vector<std::string> text;
    for (; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (blank(line) || is_fence(line) || heading_level(line) || list_marker(line) || (!text.empty() && trim(line).front() == '|')) break;
      text.push_back(line);
    }
    const std::string joined = join_lines(text);
    if (joined.rfind("Contents:", 0) != 0) out() += ".PP\n" + text_line(markdown_inline(joined)) + "\n";
    return i;
  }

  std::size_t table(const std::vector<std::string>& lines, std::size_t i) {
    std::vector<std::vector<std::string>> rows{table_cells(lines[i])};
    for (i += 2; i < lines.size() && !blank(lines[i]) && trim(lines[i]).front() == '|'; ++i) rows.push_back(table_cells(lines[i]));
    std::size_t columns = 0;
    for (const auto& row : rows) columns = std::max(columns, row.size());
    std::vector<std::size_t> widths(columns, 1);  // of the widest cell
    std::vector<std::size_t> words(columns, 1);   // of the longest word, the least a column can have
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) {
        widths[c] = std::max(widths[c], display_width(row[c]));
        std::string_view rest = row[c];
        while (!rest.empty()) {
          const auto space = rest.find(' ');
          words[c] = std::max(words[c], display_width(rest.substr(0, space)));
          rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
        }
      }
    }
    // Wrap the widest columns until the rest fits. The widest wrapped column takes the space left
    // (tbl's x); the others get their longest word, which keeps short types like "string or null"
    // on one line.
    std::vector<bool> wrap(columns, false);
    const std::size_t budget = table_width - 3 * columns - 1;
    std::size_t expand = columns;
    for (;;) {
      std::size_t total = 0;
      std::size_t widest = columns;
      for (std::size_t c = 0; c < columns; ++c) {
        total += c == expand ? 20 : wrap[c] ? words[c] : widths[c];
        if (!wrap[c] && (widest == columns || widths[c] > widths[widest])) widest = c;
      }
      if (total <= budget || widest == columns) break;
      wrap[widest] = true;
      if (expand == columns) expand = widest;
    }

    std::string& body = out();
    body += ".PP\n.TS\nallbox tab(\t);\n";
    for (std::size_t c = 0; c < columns; ++c) body += c ? " lb" : "lb";
    body += "\n";
    for (std::size_t c = 0; c < columns; ++c) {
      body += c ? " l" : "l";
      if (c == expand) {
        body += "x";
      } else if (wrap[c]) {
        body += "w(" + std::to_string(words[c]) + "n)";
      }
    }
    body += " .\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t c = 0; c < columns; ++c) {
        if (c) body += '\t';
        const std::string cell = c < rows[r].size() ? markdown_inline(rows[r][c]) : std::string();
        if (wrap[c] && r > 0) {
          body += "T{\n" + text_line(cell) + "\nT}";
        } else {
          body += cell.empty() ? "\\&" : text_line(cell);
        }
      }
      body += "\n";
    }
    // tbl draws the bottom rule on the line after the table; space it from what follows.
    body += ".TE\n.sp\n";
    return i;
  }

  std::size_t list(const std::vector<std::string>& lines, std::size_t i) {
    std::vector<Item> items;
    std::vector<std::vector<Item>*> levels{&items};
    for (; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (blank(line)) {
        // A blank line ends the list unless another item follows.
        if (i + 1 < lines.size() && list_marker(lines[i + 1])) continue;
        break;
      }
      if (is_fence(line) || heading_level(line)) break;
      if (const auto marker = list_marker(line)) {
        // Deeper than the current item's text: a child; else a sibling of the matching level.
        while (levels.size() > 1 && marker->indent < levels.back()->front().marker.indent) levels.pop_back();
        auto& current = *levels.back();
        if (!current.empty() && marker->indent >= current.back().marker.content) {
          levels.push_back(&current.back().children);
        }
        levels.back()->push_back(Item{*marker, {line.substr(marker->content)}, {}});
        continue;
      }
      levels.back()->back().lines.push_back(line);
    }
    out() += render_items(items);
    return i;
  }

  std::string render_items(const std::vector<Item>& items) {
    std::string body;
    for (const auto& item : items) {
      body += item.marker.ordered ? ".IP " + escape(item.marker.text) + " 4\n" : ".IP \\(bu 2\n";
      body += text_line(markdown_inline(join_lines(item.lines))) + "\n";
      if (!item.children.empty()) body += ".RS\n" + render_items(item.children) + ".RE\n";
    }
    return body;
  }

  Page page_;
};

}  // namespace

std::string markdown_inline(std::string_view text) {
  std::string out;
  bool bold = false;
  bool code = false;
  // One font at a time in roff: bold for **text** and for `code` alike.
  const auto set_font = [&](bool b, bool c) {
    const bool was = bold || code;
    bold = b;
    code = c;
    if (was != (bold || code)) out += (bold || code) ? "\\fB" : "\\fR";
  };
  std::string plain;
  const auto flush = [&] {
    out += escape(plain);
    plain.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && std::ispunct(static_cast<unsigned char>(text[i + 1]))) {
      plain += text[i + 1];
      i += 2;
    } else if (c == '`') {
      std::size_t run = text.find_first_not_of('`', i);
      if (run == std::string_view::npos) run = text.size();
      const std::string_view ticks = text.substr(i, run - i);
      std::size_t close = text.find(ticks, run);
      while (close != std::string_view::npos && close + ticks.size() < text.size() && text[close + ticks.size()] == '`') {
        close = text.find(ticks, text.find_first_not_of('`', close));
      }
      if (close == std::string_view::npos) {
        plain.append(ticks);
        i = run;
        continue;
      }
      std::string_view content = text.substr(run, close - run);
      if (content.size() >= 2 && content.front() == ' ' && content.back() == ' ' && !blank(content)) {
        content = content.substr(1, content.size() - 2);
      }
      flush();
      const bool outer = bold;
      set_font(outer, true);
      // No hyphen may be added to code (\% at the start of a word; inside a word it would be a
      // hyphenation point instead), but a long span may break after '/' or ',' (\:).
      if (i == 0 || std::string_view(" ([*\"'").find(text[i - 1]) != std::string_view::npos) out += "\\%";
      for (std::size_t at = 0; at < content.size();) {
        const auto cut = content.find_first_of("/,", at);
        const auto end = cut == std::string_view::npos ? content.size() : cut + 1;
        out += escape(content.substr(at, end - at), Style::literal);
        if (cut != std::string_view::npos && end < content.size()) out += "\\:";
        at = end;
      }
      set_font(outer, false);
      i = close + ticks.size();
    } else if (text.substr(i, 2) == "**") {
      flush();
      set_font(!bold, code);
      i += 2;
    } else if (c == '[') {
      const auto close = text.find("](", i);
      const auto end = close == std::string_view::npos ? close : text.find(')', close);
      if (end == std::string_view::npos || text.substr(i + 1, close - i - 1).find('[') != std::string_view::npos) {
        plain += c;
        ++i;
        continue;
      }
      flush();
      out += markdown_inline(text.substr(i + 1, close - i - 1));
      const std::string_view target = text.substr(close + 2, end - close - 2);
      if (!target.empty() && target.front() != '#') out += " <" + escape(target, Style::literal) + ">";
      i = end + 1;
    } else {
      plain += c;
      ++i;
    }
  }
  flush();
  if (bold || code) out += "\\fR";
  return out;
}

Page make_markdown_page(std::string_view markdown, PageInfo info) {
  return Converter(std::move(info)).run(split_lines(markdown));
}

}  // namespace bgsync::mangen
