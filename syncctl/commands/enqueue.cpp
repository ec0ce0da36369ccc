// `syncctl enqueue`: a curl-like command line turned into an EnqueueRequest, checked with the
// protocol's own validation before connecting, then stored by bgsyncd. Prints the new action's id.

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

namespace syncctl {
namespace {

struct EnqueueOptions {
  std::string method;
  std::vector<std::string> headers;
  std::vector<std::string> data;         // -d/--data: @file strips CR/LF
  std::vector<std::string> data_binary;  // --data-binary: @file kept exact
  std::vector<std::string> data_raw;     // --data-raw: never a file
  std::string tag;
  std::string app = "syncctl";
  std::string url;
  CLI::Option* data_option = nullptr;
  CLI::Option* data_binary_option = nullptr;
  CLI::Option* data_raw_option = nullptr;
};

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
bgsync::Result<std::string> build_body(const CLI::App& command, const EnqueueOptions& options, bool& has_data) {
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

int run_enqueue(const CLI::App& command, const EnqueueOptions& options, const GlobalOptions& globals) {
  bgsync::EnqueueRequest request;
  request.url = options.url;
  request.tag = options.tag;
  request.app = options.app;
  for (const auto& text : options.headers) {
    auto header = parse_header(text);
    if (!header) return usage_error(header.error().message);
    request.headers.push_back(std::move(*header));
  }
  bool has_data = false;
  auto body = build_body(command, options, has_data);
  if (!body) return usage_error(body.error().message);
  request.body = std::move(*body);
  if (!options.method.empty()) {
    request.method = options.method;
  } else {
    request.method = has_data ? "POST" : "GET";
  }
  if (has_data && std::none_of(request.headers.begin(), request.headers.end(),
                               [](const bgsync::Header& h) { return iequals(h.name, "Content-Type"); })) {
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  }
  if (auto valid = bgsync::proto::validate_enqueue(request); !valid) return usage_error(valid.error().message);

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto action = client->enqueue(request);
  if (!action) return fail(action.error());

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*action));
  } else {
    std::cout << action->id.to_string() << '\n';
  }
  return exit_ok;
}

}  // namespace

Command add_enqueue(CLI::App& parent, const GlobalOptions& globals) {
  auto options = std::make_shared<EnqueueOptions>();
  auto* command = parent.add_subcommand("enqueue", "Store an HTTP request for bgsyncd to send, now or later");
  command->description(command->get_description() + "\n\n" +
      "Store an HTTP request in bgsyncd's outbox and print the new action's id. The daemon sends it when\n"
      "the network allows, retrying with backoff; it survives restarts and crashes once this command has\n"
      "printed the id. The options follow curl's where curl has a word for it.");
  command->add_option("-X,--request", options->method,
                      "HTTP method (default: GET, or POST when data is given)")
      ->type_name("METHOD");
  command->add_option("-H,--header", options->headers,
                      "Add a header 'Name: value' (repeatable). Host, Content-Length, Transfer-Encoding,\n"
                      "Connection and other hop-by-hop headers belong to the daemon and are refused")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false);  // one value per -H, so the URL is never taken for a header
  options->data_option =
      command
          ->add_option("-d,--data", options->data,
                       "Body data (repeatable; joined with '&'). @FILE reads a file with CR/LF removed, @- reads\n"
                       "stdin. Implies POST, and Content-Type: application/x-www-form-urlencoded unless set")
          ->type_name("DATA")
          ->allow_extra_args(false);
  options->data_binary_option =
      command
          ->add_option("--data-binary", options->data_binary,
                       "Like --data, but @FILE (or @-) is sent byte for byte")
          ->type_name("DATA|@FILE")
          ->allow_extra_args(false);
  options->data_raw_option =
      command->add_option("--data-raw", options->data_raw, "Like --data, but '@' has no special meaning")
          ->type_name("DATA")
          ->allow_extra_args(false);
  command->add_option("--tag", options->tag,
                      "Ordering tag: actions with the same tag are sent one at a time, in enqueue order")
      ->type_name("TAG");
  command->add_option("--app", options->app, "Who enqueued it, for filtering with `list --app` (default: syncctl)")
      ->type_name("APP");
  command->add_option("url", options->url, "Absolute http:// or https:// URL")->required()->type_name("URL");
  command->footer(command_footer(
      "  syncctl enqueue https://example.com/ping\n"
      "  syncctl enqueue -d 'name=ann&age=41' https://example.com/form\n"
      "  syncctl enqueue -X PUT -H 'Content-Type: application/json' --data-binary @note.json \\\n"
      "      --tag notes https://api.example.com/notes/7\n"
      "  echo '{\"ok\":true}' | syncctl enqueue --data-binary @- -H 'Content-Type: application/json' \\\n"
      "      https://example.com/hook\n"
      "  id=$(syncctl enqueue https://example.com/a) && syncctl show \"$id\""));
  return Command{command, [command, options, &globals] { return run_enqueue(*command, *options, globals); }};
}

}  // namespace syncctl
