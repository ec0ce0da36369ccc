// bgsyncd's entry point: parse the command line, set up logging, run the daemon.
#include <memory>
#include <variant>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/daemon.hpp"
#include "daemon/journal_sink.hpp"
#include "daemon/options.hpp"

int main(int argc, char** argv) {
  auto parsed = bgsync::daemon::parse_options(argc, argv);
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const auto& options = std::get<bgsync::daemon::DaemonOptions>(parsed);

  // Under systemd, entries go to the journal with their priority and fields (it stamps the time
  // itself); elsewhere, timestamped lines on stderr.
  std::shared_ptr<spdlog::logger> logger;
  if (bgsync::daemon::stderr_is_journal()) {
    logger = std::make_shared<spdlog::logger>("bgsyncd", std::make_shared<bgsync::daemon::JournalSink>("bgsyncd"));
  } else {
    logger = spdlog::stderr_logger_mt("bgsyncd");
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
  }
  logger->set_level(spdlog::level::from_str(options.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  return bgsync::daemon::run_daemon(options);
}
