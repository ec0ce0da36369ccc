// Reporting and reloading the settings in effect. A reload builds the new options completely
// (resolve_options) before touching anything, so an error leaves everything as it was; then the
// options that cannot change live are put back to their running values, and the rest is pushed
// to the scheduler, HTTP client, network watcher, probe and logger.
#include "daemon/live_config.hpp"

#include "bgsync/proto/spool.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "daemon/config_file.hpp"
#include "daemon/connectivity_probe.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/net/network_watcher.hpp"
#include "daemon/option_table.hpp"
#include "daemon/scheduler.hpp"

namespace bgsync::daemon {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

ValueSource source_of(const DaemonOptions& options, std::string_view name) {
  const auto found = options.origin.sources.find(name);
  return found == options.origin.sources.end() ? ValueSource{} : found->second;
}

}  // namespace

LiveConfig::LiveConfig(boost::asio::any_io_executor executor, DaemonOptions options, ReloadTargets targets,
                       std::string socket, std::string socket_source, std::filesystem::path state_dir)
    : options_(std::move(options)),
      targets_(targets),
      socket_(std::move(socket)),
      socket_source_(std::move(socket_source)),
      state_dir_(std::move(state_dir)),
      hup_(std::move(executor)) {}

proto::ConfigInfo LiveConfig::describe() const {
  proto::ConfigInfo info;
  const auto& origin = options_.origin;
  if (!origin.file.empty()) info.config_file = origin.file.string();
  info.config_file_found = origin.file_found;
  info.socket = socket_;
  info.state_dir = state_dir_.string();
  for (const OptionSpec& spec : option_table()) {
    proto::ConfigSetting setting;
    setting.name = spec.name;
    setting.value = spec.get(options_);
    const ValueSource source = source_of(options_, spec.name);
    setting.source = describe_source(source, origin.file);
    setting.reloadable = spec.reloadable;
    // Paths computed at start-up: show the one in use, and why it is that one.
    if (!setting.value && spec.name == "socket") {
      setting.value = socket_;
      if (socket_source_ == "BGSYNC_SOCKET") setting.source = "$BGSYNC_SOCKET";
      if (socket_source_ == "systemd") setting.source = "systemd (socket activation)";
    }
    if (!setting.value && spec.name == "state-dir") setting.value = state_dir_.string();
    if (!setting.value && spec.name == "spool-dir") {
      const auto spool = proto::resolve_spool_dir("", state_dir_.string());
      setting.value = spool.path;
      if (spool.source == "BGSYNC_SPOOL") setting.source = "$BGSYNC_SPOOL";
    }
    if (const auto pending = pending_.find(spec.name); pending != pending_.end()) {
      setting.pending = pending->second.value_or("");
    }
    info.settings.push_back(std::move(setting));
  }
  return info;
}

proto::Result<proto::ReloadResult> LiveConfig::reload() {
  const std::string file = options_.origin.file.empty() ? "(no config file)" : options_.origin.file.string();
  auto fresh = resolve_options(options_.origin);
  if (!fresh) {
    proto::Error error{fresh.error().code, fresh.error().message + "; nothing was changed"};
    spdlog::error("reload: {}", error.message);
    return error;
  }
  DaemonOptions next = std::move(*fresh);
  proto::ReloadResult result;
  decltype(pending_) pending;
  for (const OptionSpec& spec : option_table()) {
    const auto running = spec.get(options_);
    const auto wanted = spec.get(next);
    if (running == wanted) continue;
    const std::string name(spec.name);
    if (spec.reloadable) {
      result.changed.push_back(name);
      continue;
    }
    // Keep what runs, and where it came from; remember what the file now asks for.
    result.restart_needed.push_back(name);
    pending[name] = wanted;
    spec.copy(next, options_);
    if (const auto old = options_.origin.sources.find(name); old != options_.origin.sources.end()) {
      next.origin.sources[name] = old->second;
    } else {
      next.origin.sources.erase(name);
    }
  }
  options_ = std::move(next);  // assigned, not replaced: references to fields stay valid
  pending_ = std::move(pending);
  if (!result.changed.empty()) apply();

  if (result.changed.empty() && result.restart_needed.empty()) {
    spdlog::info("reload: read {}; nothing changed", file);
  } else {
    spdlog::info("reload: read {}; {}{}{}", file, result.changed.empty() ? "" : "changed " + joined(result.changed),
                 result.changed.empty() || result.restart_needed.empty() ? "" : "; ",
                 result.restart_needed.empty() ? "" : "needs a restart to change " + joined(result.restart_needed));
  }
  return result;
}

void LiveConfig::apply() {
  spdlog::default_logger()->set_level(spdlog::level::from_str(options_.log_level));
  targets_.scheduler.set_retry(options_.retry);
  targets_.scheduler.set_parallel(options_.parallel);
  targets_.http.set_timeouts(options_.timeouts);
  targets_.network.set_debounce(options_.online_debounce, options_.offline_debounce);
  targets_.probe.reconfigure(options_.probe);
}

void LiveConfig::watch_sighup() {
  boost::system::error_code ec;
  hup_.add(SIGHUP, ec);
  if (ec) {
    spdlog::warn("cannot watch SIGHUP ({}); reload with `syncctl reload`", ec.message());
    return;
  }
  wait_sighup();
}

void LiveConfig::wait_sighup() {
  hup_.async_wait([this](const boost::system::error_code& error, int) {
    if (error) return;  // stopped
    spdlog::info("reloading the configuration on SIGHUP");
    (void)reload();     // logs its outcome
    wait_sighup();
  });
}

void LiveConfig::stop() {
  boost::system::error_code ignored;
  hup_.cancel(ignored);
}

}  // namespace bgsync::daemon
