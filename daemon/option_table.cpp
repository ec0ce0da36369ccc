// bgsyncd's options, one row each. A row names its DaemonOptions field once (the `access` lambda)
// and its type picks the parser and the printed form, so the command line, the config file and
// `syncctl config` read and write every value the same way.
#include "daemon/option_table.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "daemon/duration.hpp"

namespace bgsync::daemon {
namespace {

proto::Error expected(std::string_view what, std::string_view got) {
  return proto::Error{std::make_error_code(std::errc::invalid_argument),
                      "expected " + std::string(what) + ", got \"" + std::string(got) + "\""};
}

// Builds a row from the field (`access`, a generic lambda so it serves const and non-const
// options), a printer of the field and a parser of text into it.
template <class Access, class Format, class Parse>
OptionSpec option(std::string_view name, OptionType type, bool reloadable, std::string help, Access access,
                  Format format, Parse parse) {
  return OptionSpec{
      name,
      type,
      reloadable,
      std::move(help),
      [=](const DaemonOptions& o) -> std::optional<std::string> { return format(access(o)); },
      [=](DaemonOptions& o, std::string_view text) -> proto::Result<void> {
        auto value = parse(text);
        if (!value) return value.error();
        access(o) = std::move(*value);
        return {};
      },
      [=](DaemonOptions& to, const DaemonOptions& from) { access(to) = access(from); },
  };
}

// ---- printers and parsers, one pair per type ---------------------------------------------------

std::optional<std::string> unless_empty(const std::string& value) {
  return value.empty() ? std::nullopt : std::optional(value);
}
std::optional<std::string> path_unless_empty(const std::filesystem::path& value) {
  return value.empty() ? std::nullopt : std::optional(value.string());
}
std::optional<std::string> as_is(const std::optional<std::string>& value) { return value; }
std::optional<std::string> duration_text(std::chrono::milliseconds value) { return format_duration(value); }
std::optional<std::string> number_text(std::uint64_t value) { return std::to_string(value); }
std::optional<std::string> status_text(const std::optional<int>& value) {
  return value ? std::optional(std::to_string(*value)) : std::nullopt;
}

proto::Result<std::string> any_text(std::string_view text) { return std::string(text); }
proto::Result<std::optional<std::string>> optional_text(std::string_view text) {
  return std::optional<std::string>(std::string(text));
}
proto::Result<std::filesystem::path> any_path(std::string_view text) { return std::filesystem::path(text); }

proto::Result<std::string> url(std::string_view text) {
  if (text.empty()) return std::string();
  if (auto ok = proto::validate_url(text); !ok) {
    return proto::Error{ok.error().code, "expected an absolute http or https URL (or \"\" for none): " + ok.error().message};
  }
  return std::string(text);
}

constexpr std::array<std::string_view, 7> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};

proto::Result<std::string> level(std::string_view text) {
  if (std::find(levels.begin(), levels.end(), text) != levels.end()) return std::string(text);
  return expected("one of trace, debug, info, warn, error, critical or off", text);
}

proto::Result<std::chrono::milliseconds> duration(std::string_view text) {
  if (auto d = parse_duration(text)) return *d;
  return expected("a duration like 250ms, 10s, 5m, 2h or 7d", text);
}

// Periodic intervals below a second would be a busy loop, not a schedule.
proto::Result<std::chrono::milliseconds> floor_duration(std::string_view text) {
  auto d = parse_duration(text);
  if (d && *d >= std::chrono::seconds(1)) return *d;
  return expected("a duration of at least 1s, like 30s, 1m or 15m", text);
}

// A ttl of 0 would expire every action at its enqueue.
proto::Result<std::chrono::milliseconds> positive_duration(std::string_view text) {
  auto d = parse_duration(text);
  if (d && d->count() > 0 && *d <= proto::max_ttl) return *d;
  return expected("a duration from 1ms to 10 years, like 1h, 7d or 30d", text);
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// A parser of integers in [min, max] into the field's type T.
template <class T>
auto count(std::uint64_t min, std::uint64_t max) {
  return [min, max](std::string_view text) -> proto::Result<T> {
    const auto n = whole_number(text);
    if (!n || *n < min || *n > max) {
      return expected("an integer " + std::to_string(min) + ".." + std::to_string(max), text);
    }
    return static_cast<T>(*n);
  };
}

proto::Result<std::optional<int>> status(std::string_view text) {
  const auto n = whole_number(text);
  // Worded as validate(ProbeOptions) words it.
  if (!n || *n < 100 || *n > 599) {
    return proto::Error{std::make_error_code(std::errc::invalid_argument),
                        std::string(n ? "" : "\"") + std::string(text) + (n ? "" : "\"") +
                            " is not an HTTP status; use 100..599, e.g. 204 or 200"};
  }
  return std::optional<int>(static_cast<int>(*n));
}

std::vector<OptionSpec> make_table() {
  using T = OptionType;
  constexpr bool reload = true;
  constexpr bool restart = false;
  constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
  return {
    option("socket", T::path, restart, "Listen on this Unix socket path (default: $BGSYNC_SOCKET, else see FILES)",
           [](auto& o) -> auto& { return o.socket_path; }, unless_empty, any_text),
    option("state-dir", T::path, restart, "Keep the outbox in this directory (default: see FILES)",
           [](auto& o) -> auto& { return o.state_dir; }, path_unless_empty, any_path),
    option("spool-dir", T::path, restart,
           "Take in the actions clients spooled here while bgsyncd was down (default: $BGSYNC_SPOOL, else <state dir>/spool)",
           [](auto& o) -> auto& { return o.spool_dir; }, path_unless_empty, any_path),
    option("log-level", T::level, reload, "trace, debug, info, warn, error, critical or off",
           [](auto& o) -> auto& { return o.log_level; }, unless_empty, level),
    option("retry-base", T::duration, reload, "Delay after the first failed attempt; doubles each time",
           [](auto& o) -> auto& { return o.retry.base; }, duration_text, duration),
    option("retry-max", T::duration, reload, "Longest backoff delay",
           [](auto& o) -> auto& { return o.retry.max; }, duration_text, duration),
    option("max-attempts", T::count, reload, "Give up (state failed) after this many attempts; 0 retries for ever",
           [](auto& o) -> auto& { return o.retry.max_attempts; }, number_text, count<std::uint32_t>(0, u32_max)),
    option("connect-timeout", T::duration, reload, "Deadline for name resolution and TCP connect",
           [](auto& o) -> auto& { return o.timeouts.connect; }, duration_text, duration),
    option("tls-timeout", T::duration, reload, "Deadline for the TLS handshake",
           [](auto& o) -> auto& { return o.timeouts.handshake; }, duration_text, duration),
    option("exchange-timeout", T::duration, reload, "Deadline for sending a request and reading its response",
           [](auto& o) -> auto& { return o.timeouts.exchange; }, duration_text, duration),
    option("default-ttl", T::duration, reload,
           "An action that gives no ttl of its own fails with error `expired` this long after its enqueue "
           "(actions enqueued from then on)",
           [](auto& o) -> auto& { return o.default_ttl; }, duration_text, positive_duration),
    option("event-retention", T::duration, reload, "How long the event log keeps events for replay",
           [](auto& o) -> auto& { return o.event_retention; }, duration_text, duration),
    option("online-debounce", T::duration, reload, "Delay before a network change that adds connectivity is acted on",
           [](auto& o) -> auto& { return o.online_debounce; }, duration_text, duration),
    option("offline-debounce", T::duration, reload, "Delay before a network change that removes connectivity is acted on",
           [](auto& o) -> auto& { return o.offline_debounce; }, duration_text, duration),
    option("probe-url", T::url, restart, "Check for a captive portal with this URL (default: no check)",
           [](auto& o) -> auto& { return o.probe.url; }, unless_empty, url),
    option("probe-status", T::status, reload, "The status a working network answers the probe with (default 204)",
           [](auto& o) -> auto& { return o.probe.expect_status; }, status_text, status),
    option("probe-body", T::text, reload, "The exact body a working network answers the probe with",
           [](auto& o) -> auto& { return o.probe.expect_body; }, as_is, optional_text),
    option("probe-interval", T::duration, reload, "Time between probes while the network works",
           [](auto& o) -> auto& { return o.probe.interval; }, duration_text, duration),
    option("probe-portal-interval", T::duration, reload, "Time between probes while in a portal or unanswered",
           [](auto& o) -> auto& { return o.probe.portal_interval; }, duration_text, duration),
    option("probe-timeout", T::duration, reload, "A probe not answered by then counts as no answer",
           [](auto& o) -> auto& { return o.probe.timeout; }, duration_text, duration),
    option("parallel", T::count, reload, "Requests on the wire at once, across all tags and servers",
           [](auto& o) -> auto& { return o.parallel; }, number_text, count<std::size_t>(1, 1024)),
    option("max-size", T::count, restart, "Largest the outbox may grow, in MiB",
           [](auto& o) -> auto& { return o.map_size_mib; }, number_text, count<std::size_t>(1, 1 << 24)),
    option("periodic-floor", T::duration, reload,
           "Shortest interval a periodic registration gets; shorter requests are raised to it (at least 1s)",
           [](auto& o) -> auto& { return o.periodic_floor; }, duration_text, floor_duration),
    option("power-supply-dir", T::path, restart,
           "Read the battery state only from this sysfs-like directory, not UPower or /sys/class/power_supply",
           [](auto& o) -> auto& { return o.power_supply_dir; }, path_unless_empty, any_path),
  };
}

// Edit distance, for "did you mean" on a mistyped key; names are short.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = make_table();
  return table;
}

const OptionSpec* find_option(std::string_view name) {
  for (const auto& spec : option_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const OptionSpec* closest_option(std::string_view name) {
  std::string normal(name);
  for (char& c : normal) c = c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  const OptionSpec* best = nullptr;
  std::size_t best_distance = 3;  // more than two edits away is a different word
  for (const auto& spec : option_table()) {
    const std::size_t d = distance(normal, spec.name);
    if (d < best_distance) {
      best = &spec;
      best_distance = d;
    }
  }
  return best;
}

std::string_view type_name(OptionType type) noexcept {
  switch (type) {
    case OptionType::text: return "TEXT";
    case OptionType::path: return "PATH";
    case OptionType::url: return "URL";
    case OptionType::level: return "LEVEL";
    case OptionType::duration: return "DURATION";
    case OptionType::count: return "N";
    case OptionType::status: return "CODE";
  }
  return "VALUE";
}

bool takes_integer(OptionType type) noexcept { return type == OptionType::count || type == OptionType::status; }

}  // namespace bgsync::daemon
