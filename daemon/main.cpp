// bgsyncd's entry point: parse the command line, set up logging, run the daemon.
#include <cstdlib>
#include <variant>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/daemon.hpp"
#include "daemon/options.hpp"

int main(int argc, char** argv) {
  auto parsed = bgsync::daemon::parse_options(argc, argv);
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const auto& options = std::get<bgsync::daemon::DaemonOptions>(parsed);

  auto logger = spdlog::stderr_logger_mt("bgsyncd");
  // Under systemd the journal stamps time itself; elsewhere a timestamp helps.
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
  logger->set_level(spdlog::level::from_str(options.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  return bgsync::daemon::run_daemon(options);
}
