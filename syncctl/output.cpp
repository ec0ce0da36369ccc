// syncctl's output helpers: column alignment, JSON documents, times a person can read.
// Widths count UTF-8 code points, not bytes, so a tag like "café" does not skew a column.

#include "syncctl/output.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <ostream>

namespace syncctl {
namespace {

// Display width as code points: continuation bytes (10xxxxxx) do not advance the cursor.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void pad(std::ostream& out, std::string_view text, std::size_t width) {
  out << text;
  for (auto w = display_width(text); w < width; ++w) out << ' ';
}

// Replaces control characters so that a hostile tag or URL cannot rewrite the terminal.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7F) ? '?' : c;
  }
  return out;
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if ((byte & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (byte & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

void Table::add_row(std::vector<std::string> cells, std::string note) {
  add_row(std::move(cells), std::vector<std::string>{std::move(note)});
}

void Table::add_row(std::vector<std::string> cells, std::vector<std::string> notes) {
  for (auto& cell : cells) cell = printable(cell);
  std::erase_if(notes, [](const std::string& note) { return note.empty(); });
  for (auto& note : notes) note = printable(note);
  rows_.push_back(Row{std::move(cells), std::move(notes)});
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  for (std::size_t c = 0; c < header_.size(); ++c) widths[c] = display_width(header_[c]);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.cells.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row.cells[c]));
    }
  }
  const auto print_cells = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c + 1 == cells.size()) {
        out << cells[c];
      } else {
        pad(out, cells[c], widths[c]);
        out << "  ";
      }
    }
    out << '\n';
  };
  print_cells(header_);
  for (const auto& row : rows_) {
    print_cells(row.cells);
    for (const auto& note : row.notes) out << "    " << note << '\n';
  }
}

void Fields::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

void Fields::print(std::ostream& out) const {
  std::size_t width = 0;
  for (const auto& [name, value] : fields_) width = std::max(width, display_width(name));
  for (const auto& [name, value] : fields_) {
    pad(out, name, width);
    out << "  " << value << '\n';
  }
}

void print_json(std::ostream& out, const boost::json::value& document) {
  out << boost::json::serialize(document) << '\n' << std::flush;
}

std::string format_time(bgsync::TimePoint time) { return bgsync::format_time(time); }

bgsync::TimePoint now() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string relative_time(bgsync::TimePoint time, bgsync::TimePoint reference) {
  using namespace std::chrono;
  const auto diff = duration_cast<seconds>(time - reference);
  const auto magnitude = diff < seconds::zero() ? -diff : diff;
  if (magnitude < seconds(1)) return "now";

  const long long s = magnitude.count();
  std::string amount;
  if (s < 60) {
    amount = std::to_string(s) + "s";
  } else if (s < 3600) {
    amount = std::to_string(s / 60) + "m";
    if (s < 600 && s % 60 != 0) amount += std::to_string(s % 60) + "s";
  } else if (s < 86400) {
    amount = std::to_string(s / 3600) + "h";
    if (s % 3600 >= 60) amount += std::to_string(s % 3600 / 60) + "m";
  } else {
    amount = std::to_string(s / 86400) + "d";
    if (s < 10 * 86400 && s % 86400 >= 3600) amount += std::to_string(s % 86400 / 3600) + "h";
  }
  return diff > seconds::zero() ? "in " + amount : amount + " ago";
}

std::string time_with_relative(bgsync::TimePoint time, bgsync::TimePoint reference) {
  return format_time(time) + " (" + relative_time(time, reference) + ")";
}

bool is_printable_text(std::string_view body) {
  return valid_utf8(body) && std::none_of(body.begin(), body.end(), [](char c) {
           const auto byte = static_cast<unsigned char>(c);
           return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7F;
         });
}

std::string describe_body(std::string_view body) {
  if (body.empty()) return "<empty>";
  if (!is_printable_text(body)) return "<" + std::to_string(body.size()) + " bytes binary>";
  return std::string(body);
}

std::string or_dash(std::string_view text) { return text.empty() ? std::string("-") : std::string(text); }

std::string setting_text(const std::optional<std::string>& value) {
  if (!value) return "-";
  return value->empty() ? "\"\"" : printable(*value);
}

}  // namespace syncctl
