// The one list of bgsyncd's options: each one's name, type, help, whether a reload can change it,
// and where it lands in DaemonOptions. The command line (options.cpp), the config file
// (config_file.cpp), `config` and `reload` (live_config.cpp) are all driven by it, so an option is
// described once. Its default is whatever DaemonOptions{} holds.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgsync/proto/codec.hpp"
#include "daemon/options.hpp"

namespace bgsync::daemon {

enum class OptionType {
  text,      // any string (TEXT)
  path,      // a file system path (PATH)
  url,       // an absolute http or https URL, or empty for none (URL)
  level,     // a log level (LEVEL)
  duration,  // "250ms", "10s", "5m", "2h", "7d" (DURATION)
  count,     // a non-negative integer within the option's range (N)
  status,    // an HTTP status code 100..599 (CODE)
};

struct OptionSpec {
  std::string_view name;  // the long option without "--", and the config file key
  OptionType type;
  bool reloadable;        // reload applies it without a restart (live_config.cpp says how)
  std::string help;       // one line for --help, without the default
  // The value as one would type it; nullopt when unset (no probe URL, say, or a path that is
  // computed at start-up).
  std::function<std::optional<std::string>(const DaemonOptions&)> get;
  // Parses `text` into the option's field. On error, the message says what was expected and
  // what came, without the option's name ("expected a duration like 250ms, 10s, 5m, 2h or 7d,
  // got \"soon\"").
  std::function<proto::Result<void>(DaemonOptions&, std::string_view text)> set;
  // Copies the option's field from one set of options to another.
  std::function<void(DaemonOptions& to, const DaemonOptions& from)> copy;
};

// Every option, in the order --help and `syncctl config` show them.
const std::vector<OptionSpec>& option_table();
// nullptr for a name that is not an option.
const OptionSpec* find_option(std::string_view name);
// The option closest to a mistyped name ("retry_base", "retry-bse" -> "retry-base"), if any is close.
const OptionSpec* closest_option(std::string_view name);

// The placeholder in --help: "DURATION", "N", "URL"...
std::string_view type_name(OptionType type) noexcept;
// Whether a config file writes the value as a TOML integer (else as a string).
bool takes_integer(OptionType type) noexcept;

}  // namespace bgsync::daemon
