// `syncctl periodic register TAG --every DURATION URL`: a periodic registration from a curl-like
// command line (request_options.hpp), checked before connecting, then added or replaced by bgsyncd.
// Says when the daemon raised the interval to its floor, and what the registration waits for.

#include "syncctl/commands/periodic.hpp"
#include "syncctl/commands/request_options.hpp"
#include "syncctl/duration.hpp"
#include "syncctl/output.hpp"

#include <iostream>
#include <memory>

namespace syncctl {
namespace {

struct RegisterOptions {
  RequestOptions request;
  std::string tag;
  std::string every;
  std::string network = "any";
  std::string power = "any";
  std::string app{default_periodic_app};
  std::string url;
};

// "now" once due (or running), else "in 14m".
std::string next_run(const bgsync::PeriodicRegistration& registration) {
  const auto reference = now();
  if (registration.running || registration.next_earliest <= reference) return "now";
  return relative_time(registration.next_earliest, reference);
}

int run_register(const CLI::App& command, const RegisterOptions& options, const GlobalOptions& globals) {
  const auto every = parse_duration(options.every);
  if (!every || every->count() <= 0) {
    return usage_error("--every needs a duration such as 30s, 15m, 1h or 1h30m (got '" + options.every + "')");
  }
  const auto network = bgsync::parse_network_constraint(options.network);
  if (!network) return usage_error("--network must be any or unmetered (got '" + options.network + "')");
  const auto power = bgsync::parse_power_constraint(options.power);
  if (!power) {
    return usage_error("--power must be any, not_on_battery or not_low_battery (got '" + options.power + "')");
  }
  auto parts = build_request(command, options.request);
  if (!parts) return usage_error(parts.error().message);

  bgsync::PeriodicRegisterRequest request;
  request.app = options.app;
  request.tag = options.tag;
  request.min_interval = *every;
  request.method = std::move(parts->method);
  request.url = options.url;
  request.headers = std::move(parts->headers);
  request.body = std::move(parts->body);
  request.network = *network;
  request.power = *power;
  if (auto valid = bgsync::proto::validate_periodic_register(request); !valid) {
    return usage_error(valid.error().message);
  }

  auto client = bgsync::Client::connect(connect_options(globals));
  if (!client) return fail(client.error());
  auto result = client->register_periodic(request);
  if (!result) return fail(result.error());

  if (globals.json) {
    print_json(std::cout, bgsync::to_json(*result));
    return exit_ok;
  }
  const auto& registration = result->registration;
  std::cout << (result->replaced ? "replaced " : "registered ") << registration_name(registration.app, registration.tag)
            << " every " << format_duration(registration.min_interval) << " (next run: " << next_run(registration)
            << ")\n";
  if (result->requested_interval < registration.min_interval) {
    std::cout << "  bgsyncd raised the interval from " << format_duration(result->requested_interval)
              << " to its floor, " << format_duration(registration.min_interval)
              << " (bgsyncd --periodic-floor)\n";
  }
  for (const auto& note : state_notes(registration)) std::cout << "  " << note << '\n';
  return exit_ok;
}

}  // namespace

Command add_periodic_register(CLI::App& periodic, const GlobalOptions& globals) {
  auto options = std::make_shared<RegisterOptions>();
  auto* command = periodic.add_subcommand("register", "Register a URL to fetch periodically, or replace one");
  command->description(command->get_description() + "\n\n" +
      "Register a request that bgsyncd makes at most once per --every, when the constraints hold, keeping\n"
      "the latest successful response for `syncctl cache get TAG`. Registering a TAG again (of the same\n"
      "app) replaces it, as the browser's periodicSync.register does. bgsyncd raises an interval below its\n"
      "floor (1 minute unless bgsyncd --periodic-floor says otherwise) and says so. A failed run is retried\n"
      "with backoff within the period. The request options follow curl's, as for `syncctl enqueue`; the\n"
      "method is GET unless data or -X says otherwise.");
  command->add_option("tag", options->tag, "The registration's name within its app")->required()->type_name("TAG");
  command->add_option("--every", options->every,
                      "The minimum interval between runs: 30s, 15m, 1h, 1h30m, 1d (units ms, s, m, h, d)")
      ->required()
      ->type_name("DURATION");
  command->add_option("--network", options->network,
                      "Run only on this kind of network: any (default), or unmetered (not a mobile or\n"
                      "tethered connection that NetworkManager marks metered)")
      ->type_name("any|unmetered");
  command->add_option("--power", options->power,
                      "Run only on this power: any (default), not_on_battery (on AC power), or\n"
                      "not_low_battery (on AC, or the battery is not low)")
      ->type_name("any|not_on_battery|not_low_battery");
  add_request_options(*command, options->request);
  command->add_option("--app", options->app,
                      "The app the registration belongs to; (app, TAG) names it (default: syncctl)")
      ->type_name("APP");
  command->add_option("url", options->url, "Absolute http:// or https:// URL to fetch")->required()->type_name("URL");
  command->footer(command_footer(
      "  syncctl periodic register news --every 15m https://example.com/news.json\n"
      "  syncctl periodic register feed --every 1h30m --network unmetered --power not_low_battery \\\n"
      "      https://example.com/feed.xml\n"
      "  syncctl periodic register inbox --every 5m -H 'Authorization: Bearer TOKEN' --app mail \\\n"
      "      https://mail.example.com/api/inbox\n"
      "  syncctl periodic register report --every 1d -X POST -H 'Content-Type: application/json' \\\n"
      "      --data-binary @query.json https://example.com/report"));
  return Command{command, [command, options, &globals] { return run_register(*command, *options, globals); }};
}

}  // namespace syncctl
