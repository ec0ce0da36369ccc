// bgsyncd's config file (TOML, on toml++) and the layering of settings: defaults, then the file,
// then the command line, each value remembering where it came from.
//
// The file is flat: its keys are the long option names without the dashes, values as typed on
// the command line, integers for counts and strings for the rest:
//
//     retry-base = "100ms"
//     parallel = 8
//     probe-url = "http://nmcheck.gnome.org/check_network_status.txt"
//
// Unknown keys and bad values are errors naming the file, the line and the key, so that a typo
// is never silently ignored (a reload with such a file changes nothing).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bgsync/proto/codec.hpp"
#include "daemon/option_table.hpp"
#include "daemon/options.hpp"

namespace bgsync::daemon {

// One setting read from the config file, as text that OptionSpec::set accepts.
struct FileValue {
  const OptionSpec* spec = nullptr;
  std::string text;
  int line = 0;
};

struct FileSettings {
  bool found = false;  // false: there was no file (allowed unless it was required)
  std::vector<FileValue> values;
};

// Reads and checks the config file. A missing file is no settings, or an error when `required`
// (given with --config). Errors (code proto::errc::bad_config) name the file and line:
//   "/home/u/.config/bgsync/bgsyncd.toml:7: retry-base: expected a duration like 250ms, 10s, 5m, 2h or 7d, got \"soon\""
//   "/home/u/.config/bgsync/bgsyncd.toml:3: unknown key \"retry-bse\" (did you mean \"retry-base\"?)"
//   "/home/u/.config/bgsync/bgsyncd.toml:2: not valid TOML: ..."
proto::Result<FileSettings> read_config_file(const std::filesystem::path& path, bool required);

// The effective options from the layers `origin` names: DaemonOptions{} defaults, then the config
// file (origin.file, if not empty), then origin.command_line; the later wins. Fills
// origin.sources and origin.file_found, and stores origin in the result. Also checks the options
// that only make sense together (the probe's); such an error names where the offending value came
// from. Errors: proto::errc::bad_config.
proto::Result<DaemonOptions> resolve_options(ConfigOrigin origin);

// Where a value came from, for people and `config`: "default", "command line" or "FILE:LINE".
std::string describe_source(const ValueSource& source, const std::filesystem::path& file);

}  // namespace bgsync::daemon
