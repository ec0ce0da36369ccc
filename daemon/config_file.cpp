// Reading bgsyncd.toml into option texts, and layering defaults, file and command line into the
// effective options. toml++ reports syntax errors by exception; they end here, as a Result.
#include "daemon/config_file.hpp"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

namespace bgsync::daemon {
namespace fs = std::filesystem;

namespace {

proto::Error config_error(std::string message) { return proto::make_error(proto::errc::bad_config, std::move(message)); }

std::string at(const fs::path& file, int line) { return file.string() + ":" + std::to_string(line); }

// A TOML value in an error message: what the file said, so the reader finds it.
std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "the string \"" + std::string(node.as_string()->get()) + "\"";
    case toml::node_type::integer: return "the number " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: {
      std::ostringstream text;
      text << node.as_floating_point()->get();
      return "the number " + text.str();
    }
    case toml::node_type::boolean: return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

// The value of `node` as the text the option's parser reads, or what was expected instead.
proto::Result<std::string> value_text(const OptionSpec& spec, const toml::node& node) {
  if (takes_integer(spec.type)) {
    if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
    return config_error("expected an integer (without quotes), like " +
                        std::string(spec.type == OptionType::status ? "204" : "8") + ", got " + describe(node));
  }
  if (const auto* string = node.as_string()) return string->get();
  if (spec.type == OptionType::duration) {
    return config_error("expected a duration in quotes, like \"250ms\", \"10s\" or \"5m\", got " + describe(node));
  }
  return config_error("expected a string in quotes, got " + describe(node));
}

proto::Result<std::string> read_whole(const fs::path& path, bool required, bool& found) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    found = false;
    if (!required) return std::string();
    return config_error(path.string() + ": no such file (given with --config)");
  }
  if (status.type() == fs::file_type::directory) return config_error(path.string() + ": is a directory, not a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(path.string() + ": cannot read: " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return config_error(path.string() + ": cannot read: " + std::strerror(errno));
  found = true;
  return std::move(content).str();
}

// The option an error message from validate(ProbeOptions) is about.
std::pair<std::string_view, std::string_view> probe_option(std::string_view message) {
  for (const auto& [prefix, option] : {std::pair{"probe URL: ", "probe-url"}, {"probe status: ", "probe-status"},
                                       {"probe body: ", "probe-body"}, {"probe interval: ", "probe-interval"},
                                       {"probe timeout: ", "probe-timeout"}}) {
    const std::string_view p(prefix);
    if (message.substr(0, p.size()) == p) return {option, message.substr(p.size())};
  }
  return {"probe-url", message};
}

}  // namespace

proto::Result<FileSettings> read_config_file(const fs::path& path, bool required) {
  FileSettings settings;
  auto content = read_whole(path, required, settings.found);
  if (!content) return content.error();
  if (!settings.found) return settings;

  toml::table table;
  try {
    table = toml::parse(*content, path.string());
  } catch (const toml::parse_error& e) {
    return config_error(at(path, static_cast<int>(e.source().begin.line)) + ": not valid TOML: " +
                        std::string(e.description()));
  }
  DaemonOptions scratch;  // values are checked here, so that every error can name its line
  for (auto&& [key, node] : table) {
    const int line = static_cast<int>(key.source().begin.line != 0 ? key.source().begin.line : node.source().begin.line);
    const OptionSpec* spec = find_option(key.str());
    if (spec == nullptr) {
      std::string message = at(path, line) + ": unknown key \"" + std::string(key.str()) + "\"";
      if (const OptionSpec* close = closest_option(key.str())) message += " (did you mean \"" + std::string(close->name) + "\"?)";
      return config_error(message + "; the keys are bgsyncd's long options without \"--\" (see bgsyncd --help)");
    }
    auto text = value_text(*spec, node);
    if (!text) return config_error(at(path, line) + ": " + std::string(spec->name) + ": " + text.error().message);
    if (auto ok = spec->set(scratch, *text); !ok) {
      return config_error(at(path, line) + ": " + std::string(spec->name) + ": " + ok.error().message);
    }
    settings.values.push_back({spec, std::move(*text), line});
  }
  return settings;
}

proto::Result<DaemonOptions> resolve_options(ConfigOrigin origin) {
  DaemonOptions options;
  origin.sources.clear();
  origin.file_found = false;
  if (!origin.file.empty()) {
    auto file = read_config_file(origin.file, origin.file_explicit);
    if (!file) return file.error();
    origin.file_found = file->found;
    for (const FileValue& value : file->values) {
      [[maybe_unused]] auto ok = value.spec->set(options, value.text);
      assert(ok && "read_config_file checked every value");
      origin.sources[std::string(value.spec->name)] = {ValueSource::Kind::file, value.line};
    }
  }
  for (const auto& [name, text] : origin.command_line) {
    const OptionSpec* spec = find_option(name);
    assert(spec != nullptr && "parse_options records only options of the table");
    if (auto ok = spec->set(options, text); !ok) return config_error("--" + name + ": " + ok.error().message);
    origin.sources[name] = {ValueSource::Kind::command_line, 0};
  }
  if (auto ok = validate(options.probe); !ok) {
    // Say it where the value was written: the file's line, or the command line's --option.
    const std::string message = ok.error().message;
    const auto [option, problem] = probe_option(message);
    const auto source = origin.sources.find(option);
    std::string where = std::string(option);
    if (source != origin.sources.end() && source->second.kind == ValueSource::Kind::file) {
      where = at(origin.file, source->second.line) + ": " + where;
    } else if (source != origin.sources.end()) {
      where = "--" + where;
    }
    return config_error(where + ": " + std::string(problem));
  }
  options.origin = std::move(origin);
  return options;
}

std::string describe_source(const ValueSource& source, const fs::path& file) {
  switch (source.kind) {
    case ValueSource::Kind::default_value: return "default";
    case ValueSource::Kind::command_line: return "command line";
    case ValueSource::Kind::file: return at(file, source.line);
  }
  return "default";
}

}  // namespace bgsync::daemon
