// The curl-like options that describe an HTTP request (-X, -H, -d, --data-binary, --data-raw),
// shared by `syncctl enqueue` and `syncctl periodic register` so both read a command line alike.
#pragma once

#include "bgsync/errors.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace syncctl {

struct RequestOptions {
  std::string method;                    // -X; empty: GET, or POST when data is given
  std::vector<std::string> headers;      // -H 'Name: value'
  std::vector<std::string> data;         // -d/--data: @file strips CR/LF
  std::vector<std::string> data_binary;  // --data-binary: @file kept exact
  std::vector<std::string> data_raw;     // --data-raw: never a file
  CLI::Option* data_option = nullptr;
  CLI::Option* data_binary_option = nullptr;
  CLI::Option* data_raw_option = nullptr;
};

// Adds -X/--request, -H/--header, -d/--data, --data-binary and --data-raw to `command`, storing
// into `options` (which must outlive the parse).
void add_request_options(CLI::App& command, RequestOptions& options);

struct RequestParts {
  std::string method;
  bgsync::Headers headers;
  std::string body;
};

// The method, headers and body the options of `command` (as parsed) describe, with curl's rules:
// every -d/--data-binary/--data-raw in command-line order joined with '&'; data implies POST and,
// unless a Content-Type was given, application/x-www-form-urlencoded.
// Errors (std::errc codes, for a usage error): a header without "Name: value", an unreadable @FILE.
bgsync::Result<RequestParts> build_request(const CLI::App& command, const RequestOptions& options);

}  // namespace syncctl
