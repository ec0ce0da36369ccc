// How syncctl prints: aligned tables, key/value blocks, JSON documents, RFC 3339 and relative times,
// bodies that may be binary. Every command prints through these so that output looks the same.
#pragma once

#include "bgsync/errors.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncctl {

// Columns padded to their widest cell, two spaces apart; the last column is never padded, so long
// URLs do not push trailing blanks. Rows may be followed by indented note lines (e.g. last error).
class Table {
public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> cells, std::string note = {});
  void add_row(std::vector<std::string> cells, std::vector<std::string> notes);  // empty notes are skipped
  void print(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }

private:
  struct Row {
    std::vector<std::string> cells;
    std::vector<std::string> notes;
  };
  std::vector<std::string> header_;
  std::vector<Row> rows_;
};

// "name   value" lines with the names padded to the widest one.
class Fields {
public:
  void add(std::string name, std::string value);
  void print(std::ostream& out) const;

private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// One JSON document on its own line, compact (so `watch --json` is one object per line and jq
// reads any of it), flushed.
void print_json(std::ostream& out, const boost::json::value& document);

// RFC 3339 UTC with milliseconds ("2026-11-24T20:11:57.123Z").
std::string format_time(bgsync::TimePoint time);
// "in 4m", "3s ago", "now", "in 1h5m", "2d ago": for a person scanning a list.
std::string relative_time(bgsync::TimePoint time, bgsync::TimePoint now);
// "2026-11-24T20:11:57.123Z (in 4m)"
std::string time_with_relative(bgsync::TimePoint time, bgsync::TimePoint now);
bgsync::TimePoint now();

// Whether a body is text a terminal can show: valid UTF-8 without control characters other than
// tab/CR/LF (an empty body is text).
bool is_printable_text(std::string_view body);
// A body as text when it is valid UTF-8 without control characters other than tab/CR/LF,
// else "<N bytes binary>"; "<empty>" when empty.
std::string describe_body(std::string_view body);
// The text itself when non-empty, else "-" (for table cells).
std::string or_dash(std::string_view text);
// A setting's value from `config`: "-" when unset, "\"\"" when empty, else the value.
std::string setting_text(const std::optional<std::string>& value);

}  // namespace syncctl
