// `syncctl cache get TAG`: the cached response of a periodic registration, like curl would print it:
// the body as bytes on stdout (or in -o FILE), with -i the status line and headers first; --json
// the whole cache entry. Exit 1 when nothing is cached.

#include "syncctl/commands/periodic.hpp"
#include "syncctl/output.hpp"

#include <boost/json/serialize.hpp>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

namespace syncctl {
namespace {

struct CacheGetOptions {
  RefOptions ref;
  bool include = false;
  std::string output;
};

// What curl -i prints before the body. HTTP/1.1 is what bgsyncd speaks; the reason phrase is not kept.
std::string head_of(const bgsync::CachedResponse& cached) {
  std::string head = "HTTP/1.1 " + std::to_string(cached.status) + "\r\n";
  for (const auto& header : cached.headers) head += header.name + ": " + header.value + "\r\n";
  return head + "\r\n";
}

int run_cache_get(const CacheGetOptions& options, const GlobalOptions& globals) {
  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto cached = client->cache_get(options.ref.ref());
  if (!cached) return fail_ref(cached.error(), options.ref);

  std::string document;
  if (globals.json) {
    document = boost::json::serialize(bgsync::to_json(*cached)) + "\n";
  } else {
    if (options.include) document = head_of(*cached);
    document += cached->body;
  }

  if (!options.output.empty()) {
    std::ofstream file(options.output, std::ios::binary | std::ios::trunc);
    if (file) file.write(document.data(), static_cast<std::streamsize>(document.size()));
    if (!file || !file.flush()) return usage_error("cannot write '" + options.output + "'");
    return exit_ok;
  }
  // As curl does: binary bytes on a terminal would garble it, so ask for a file instead.
  if (!globals.json && ::isatty(STDOUT_FILENO) == 1 && !is_printable_text(cached->body)) {
    return usage_error("the cached body of " + registration_name(cached->app, cached->tag) + " is " +
                       std::to_string(cached->body.size()) +
                       " bytes of binary data; use -o FILE, redirect stdout, or --json");
  }
  std::cout.write(document.data(), static_cast<std::streamsize>(document.size()));
  std::cout.flush();
  return std::cout ? exit_ok : exit_refused;
}

Command add_cache_get(CLI::App& cache, const GlobalOptions& globals) {
  auto options = std::make_shared<CacheGetOptions>();
  auto* command = cache.add_subcommand("get", "Print the cached response of a periodic registration");
  command->description(command->get_description() + "\n\n" +
      "Print the body of the latest successful run of the periodic registration TAG, as curl would: the\n"
      "bytes as they came (binary data only to a file or a pipe), with -i the status line and headers\n"
      "first. With --json, one object: app, tag, status, headers, body (or body_base64 when it is not\n"
      "UTF-8), fetched (when it arrived) and validated (when a 304 last confirmed it, or null). The cache\n"
      "survives daemon restarts. Exit 1 when there is no such registration or nothing is cached yet.");
  add_ref_options(*command, options->ref, "The periodic registration's tag");
  command->add_flag("-i,--include", options->include, "Print the status line and the response headers first");
  command->add_option("-o,--output", options->output, "Write to FILE instead of standard output")
      ->type_name("FILE");
  command->footer(command_footer(
      "  syncctl cache get news\n"
      "  syncctl cache get news -i\n"
      "  syncctl cache get --app reader feed -o feed.xml\n"
      "  syncctl cache get news --json | jq -r .fetched"));
  return Command{command, [options, &globals] { return run_cache_get(*options, globals); }};
}

}  // namespace

Command add_cache(CLI::App& parent, const GlobalOptions& globals) {
  auto* command = parent.add_subcommand("cache", "Read what periodic sync fetched: the cached responses");
  command->description(command->get_description() + "\n\n" +
      "bgsyncd keeps the response of each periodic registration's latest successful run (see `syncctl\n"
      "periodic`), so an app that starts offline can show the last content at once. `cache get TAG`\n"
      "prints one; it has its own --help.");
  command->require_subcommand(1);
  const Command get = add_cache_get(*command, globals);
  command->footer(command_footer(
      "  syncctl cache get news\n"
      "  syncctl cache get --app reader feed -o feed.xml"));
  return Command{command, [get] { return get.run(); }};
}

}  // namespace syncctl
