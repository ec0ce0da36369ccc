// curl's request options for syncctl (see request_options.hpp): headers, data and @FILE bodies,
// and the method and Content-Type that data implies.

#include "syncctl/commands/request_options.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace syncctl {
namespace {

// The bytes of @FILE, or of stdin for @-.
bgsync::Result<std::string> read_file(const std::string& name) {
  if (name == "-") {
    std::ostringstream content;
    content << std::cin.rdbuf();
    if (std::cin.bad()) return bgsync::Error{std::make_error_code(std::errc::io_error), "cannot read standard input"};
    return content.str();
  }
  std::ifstream file(name, std::ios::binary);
  if (!file) {
    return bgsync::Error{std::make_error_code(std::errc::no_such_file_or_directory),
                         "cannot read data file '" + name + "'"};
  }
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

enum class DataKind { text, binary, raw };

bgsync::Result<std::string> data_value(const std::string& argument, DataKind kind) {
  if (kind == DataKind::raw || argument.empty() || argument.front() != '@') return argument;
  auto content = read_file(argument.substr(1));
  if (!content) return content.error();
  if (kind == DataKind::text) {  // like curl -d @file: line breaks are dropped
    std::erase_if(*content, [](char c) { return c == '\r' || c == '\n'; });
  }
  return content;
}

// The body: every -d/--data-binary/--data-raw in command-line order, joined with '&' as curl does.
bgsync::Result<std::string> build_body(const CLI::App& command, const RequestOptions& options, bool& has_data) {
  std::size_t next_text = 0, next_binary = 0, next_raw = 0;
  std::string body;
  has_data = false;
  for (const CLI::Option* option : command.parse_order()) {
    const std::string* argument = nullptr;
    DataKind kind = DataKind::text;
    if (option == options.data_option && next_text < options.data.size()) {
      argument = &options.data[next_text++];
    } else if (option == options.data_binary_option && next_binary < options.data_binary.size()) {
      argument = &options.data_binary[next_binary++];
      kind = DataKind::binary;
    } else if (option == options.data_raw_option && next_raw < options.data_raw.size()) {
      argument = &options.data_raw[next_raw++];
      kind = DataKind::raw;
    }
    if (argument == nullptr) continue;
    auto value = data_value(*argument, kind);
    if (!value) return value.error();
    if (has_data) body += '&';
    body += *value;
    has_data = true;
  }
  return body;
}

bgsync::Result<bgsync::Header> parse_header(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return bgsync::Error{std::make_error_code(std::errc::invalid_argument),
                         "header '" + std::string(text) + "' must look like 'Name: value'"};
  }
  std::string_view value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return bgsync::Header{std::string(text.substr(0, colon)), std::string(value)};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

void add_request_options(CLI::App& command, RequestOptions& options) {
  command.add_option("-X,--request", options.method, "HTTP method (default: GET, or POST when data is given)")
      ->type_name("METHOD");
  command
      .add_option("-H,--header", options.headers,
                  "Add a header 'Name: value' (repeatable). Host, Content-Length, Transfer-Encoding,\n"
                  "Connection and other hop-by-hop headers belong to the daemon and are refused")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);  // one value per -H, so the URL is never taken for a header
  options.data_option =
      command
          .add_option("-d,--data", options.data,
                      "Body data (repeatable; joined with '&'). @FILE reads a file with CR/LF removed, @- reads\n"
                      "stdin. Implies POST, and Content-Type: application/x-www-form-urlencoded unless set")
          ->type_name("DATA")
          ->allow_extra_args(false);
  options.data_binary_option =
      command.add_option("--data-binary", options.data_binary, "Like --data, but @FILE (or @-) is sent byte for byte")
          ->type_name("DATA|@FILE")
          ->allow_extra_args(false);
  options.data_raw_option =
      command.add_option("--data-raw", options.data_raw, "Like --data, but '@' has no special meaning")
          ->type_name("DATA")
          ->allow_extra_args(false);
}

bgsync::Result<RequestParts> build_request(const CLI::App& command, const RequestOptions& options) {
  RequestParts parts;
  for (const auto& text : options.headers) {
    auto header = parse_header(text);
    if (!header) return header.error();
    parts.headers.push_back(std::move(*header));
  }
  bool has_data = false;
  auto body = build_body(command, options, has_data);
  if (!body) return body.error();
  parts.body = std::move(*body);
  if (!options.method.empty()) {
    parts.method = options.method;
  } else {
    parts.method = has_data ? "POST" : "GET";
  }
  if (has_data && std::none_of(parts.headers.begin(), parts.headers.end(),
                               [](const bgsync::Header& h) { return iequals(h.name, "Content-Type"); })) {
    parts.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  }
  return parts;
}

}  // namespace syncctl
