// Parsing CLI11 --help output into its parts (see help_text.hpp).
#include "tools/mangen/help_text.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

namespace bgsync::mangen {

namespace {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string line(text.substr(0, end));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
    lines.push_back(std::move(line));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

// "Options:" — CLI11's list titles: one word at the margin, ending in a colon.
bool is_list_title(std::string_view line) {
  return line.size() > 1 && line.back() == ':' && std::isupper(static_cast<unsigned char>(line.front())) &&
         line.find(' ') == std::string_view::npos;
}

// "EXIT STATUS" — a footer section title: capitals and spaces at the margin.
bool is_footer_title(std::string_view line) {
  return line.size() > 1 && std::isupper(static_cast<unsigned char>(line.front())) &&
         std::all_of(line.begin(), line.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || c == ' '; });
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(separator, start)) != std::string_view::npos; start = at + 1) {
    parts.emplace_back(text.substr(start, at - start));
  }
  parts.emplace_back(text.substr(start));
  return parts;
}

HelpEntry parse_entry(std::string_view line) {
  auto [left, right] = split_columns(line);
  HelpEntry entry;
  const auto space = left.find(' ');
  entry.names = split(std::string_view(left).substr(0, space), ',');
  if (space != std::string::npos) entry.type = left.substr(space + 1);
  if (!right.empty()) entry.description.push_back(std::move(right));
  return entry;
}

// CLI11 separates a name longer than its column from the description by a single space
// ("  -H,--header 'NAME: VALUE' ... Add a header"). The column is where most descriptions and
// their continuation lines start (`columns` counts them); such an entry is split there.
void fix_unsplit(HelpList& list, const std::vector<std::pair<std::size_t, std::string>>& unsplit,
                 const std::map<std::size_t, int>& columns) {
  if (columns.empty()) return;
  const auto column = std::max_element(columns.begin(), columns.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; })->first;
  for (const auto& [index, raw] : unsplit) {
    if (raw.size() <= column || raw[column - 1] != ' ' || raw[column] == ' ') continue;
    HelpEntry split = parse_entry(std::string_view(raw).substr(0, column - 1));
    split.description.insert(split.description.begin(), raw.substr(column));
    auto& entry = list.entries[index];
    split.description.insert(split.description.end(), entry.description.begin(), entry.description.end());
    entry = std::move(split);
  }
}

}  // namespace

std::size_t indentation(std::string_view line) {
  const auto first = line.find_first_not_of(' ');
  return first == std::string_view::npos ? line.size() : first;
}

std::pair<std::string, std::string> split_columns(std::string_view line) {
  line.remove_prefix(indentation(line));
  const auto gap = line.find("  ");
  if (gap == std::string_view::npos) return {std::string(line), {}};
  const auto right = line.find_first_not_of(' ', gap);
  return {std::string(line.substr(0, gap)), std::string(line.substr(right))};
}

const HelpList* HelpText::list(std::string_view title) const {
  const auto found = std::find_if(lists.begin(), lists.end(), [&](const HelpList& l) { return l.title == title; });
  return found == lists.end() ? nullptr : &*found;
}

HelpText parse_help(std::string_view text) {
  HelpText help;
  const auto lines = split_lines(text);
  std::size_t i = 0;

  // Everything before "Usage:" is the description.
  bool new_paragraph = true;
  for (; i < lines.size() && lines[i].rfind("Usage: ", 0) != 0; ++i) {
    if (lines[i].empty()) {
      new_paragraph = true;
      continue;
    }
    if (new_paragraph) help.description.emplace_back();
    help.description.back().push_back(lines[i]);
    new_paragraph = false;
  }
  if (i < lines.size()) help.usage = lines[i++].substr(7);

  // Titled lists: entries at a small indentation, their continuation lines deeper.
  HelpList* list = nullptr;
  std::vector<std::pair<std::size_t, std::string>> unsplit;  // entries whose name filled its column
  std::map<std::size_t, int> columns;                          // where descriptions start, and how often
  const auto finish_list = [&] {
    if (list != nullptr) fix_unsplit(*list, unsplit, columns);
    unsplit.clear();
    columns.clear();
    list = nullptr;
  };
  for (; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) {
      finish_list();
      continue;
    }
    if (is_list_title(line)) {
      finish_list();
      help.lists.push_back(HelpList{line.substr(0, line.size() - 1), {}});
      list = &help.lists.back();
      continue;
    }
    if (list == nullptr || indentation(line) == 0) break;
    const std::size_t indent = indentation(line);
    if (!list->entries.empty() && indent > 2) {
      list->entries.back().description.push_back(line.substr(indent));
      ++columns[indent];
    } else {
      list->entries.push_back(parse_entry(line));
      if (list->entries.back().description.empty()) {
        unsplit.emplace_back(list->entries.size() - 1, line);
      } else {
        ++columns[line.size() - list->entries.back().description.front().size()];
      }
    }
  }
  finish_list();

  // The footer: sections under capitalised titles.
  for (; i < lines.size(); ++i) {
    if (is_footer_title(lines[i])) {
      help.footer.push_back(HelpFooterSection{lines[i], {}});
      continue;
    }
    if (help.footer.empty()) {
      if (lines[i].empty()) continue;
      help.footer.emplace_back();
    }
    help.footer.back().lines.push_back(lines[i]);
  }
  return help;
}

}  // namespace bgsync::mangen
