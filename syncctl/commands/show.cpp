// `syncctl show ID`: every field of one action — the request as stored, its state and attempts, and
// the response once one arrived. Bodies print as text when printable, else as "<N bytes binary>".

#include "bgsync/client.hpp"
#include "syncctl/commands/command.hpp"
#include "syncctl/output.hpp"

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

void print_headers(std::ostream& out, std::string_view title, const bgsync::Headers& headers) {
  out << title << (headers.empty() ? " (none)\n" : "\n");
  for (const auto& header : headers) out << "  " << header.name << ": " << header.value << '\n';
}

void print_body(std::ostream& out, std::string_view title, std::string_view body) {
  const std::string text = describe_body(body);
  if (text.find('\n') == std::string::npos) {
    out << title << "  " << text << '\n';
    return;
  }
  out << title << '\n';
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out << "  " << text.substr(start, end == std::string::npos ? std::string::npos : end - start) << '\n';
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

void print_action(const bgsync::Action& action) {
  const auto reference = now();
  Fields fields;
  fields.add("id", action.id.to_string());
  fields.add("state", std::string(bgsync::to_string(action.state)));
  fields.add("app", or_dash(action.app));
  fields.add("tag", or_dash(action.tag));
  fields.add("method", action.method);
  fields.add("url", action.url);
  fields.add("created", time_with_relative(action.created, reference));
  fields.add("updated", time_with_relative(action.updated, reference));
  fields.add("attempts", std::to_string(action.attempts));
  fields.add("next attempt", action.next_attempt ? time_with_relative(*action.next_attempt, reference) : "-");
  fields.add("last error", or_dash(action.last_error));
  fields.add("response status", action.response_status ? std::to_string(*action.response_status) : "-");
  fields.print(std::cout);

  std::cout << '\n';
  print_headers(std::cout, "request headers", action.headers);
  print_body(std::cout, "request body", action.body);
  if (action.response_status) {
    std::cout << '\n';
    print_headers(std::cout, "response headers", action.response_headers);
    print_body(std::cout, "response body", action.response_body);
  }
}

int run_show(const std::string& id_text, const GlobalOptions& globals) {
  const auto id = parse_ref(id_text);
  if (!id) return bad_ref(id_text);

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto action = client->get(*id);
  if (!action) return fail(action.error());

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*action));
  } else {
    print_action(*action);
  }
  return exit_ok;
}

}  // namespace

Command add_show(CLI::App& parent, const GlobalOptions& globals) {
  auto id = std::make_shared<std::string>();
  auto* command = parent.add_subcommand("show", "Show every field of one action, response included");
  command->description(command->get_description() + "\n\n" +
      "Show one action: the request as stored (method, URL, headers, body), its state, attempts, next\n"
      "attempt and last error, and once a response arrived its status, headers and the first 64 KiB of\n"
      "its body. Bodies that are not printable text show as \"<N bytes binary>\"; --json has them all.");
  command->add_option("id", *id,
                      "The action's id, as printed by enqueue or list, or a unique prefix of it (at least\n"
                      "8 hex digits, with or without its dashes, as git takes commit ids)")
      ->required()
      ->type_name("ID");
  command->footer(command_footer(
      "  syncctl show 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a\n"
      "  syncctl show 0190c3b28c1e7d43   (a unique prefix)\n"
      "  syncctl show --json 0190c3b2-8c1e-7d43-9a1f-3b2c1d0e9f8a | jq -r .response_body"));
  return Command{command, [id, &globals] { return run_show(*id, globals); }};
}

}  // namespace syncctl
