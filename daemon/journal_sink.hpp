// Logging straight into the systemd journal when bgsyncd's stderr is connected to it: each line
// becomes a journal entry with a real PRIORITY (so `journalctl -p warning` works), the message
// without a timestamp (the journal has its own), SYSLOG_IDENTIFIER=bgsyncd, and, for lines about
// one action ("action <uuid>: ..."), BGSYNC_ACTION_ID=<uuid> so that
// `journalctl --user -u bgsyncd BGSYNC_ACTION_ID=<uuid>` shows one action's whole history.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/sinks/base_sink.h>

namespace bgsync::daemon {

// True when JOURNAL_STREAM ("<device>:<inode>", set by systemd for services whose output goes to
// the journal) names the file stderr is open on. Comparing the inode, not just testing the
// variable, keeps a program started from such a service with its stderr redirected elsewhere
// from logging into the journal by mistake.
bool stderr_is_journal();

// The syslog priority (LOG_DEBUG ... LOG_CRIT) for a spdlog level.
int journal_priority(spdlog::level::level_enum level) noexcept;

// The action id a log line is about: the UUID right after a leading "action ", when followed
// by the end of the line, ':' or a space; otherwise nullopt.
std::optional<std::string_view> logged_action_id(std::string_view message) noexcept;

// Sends each message with sd_journal_sendv. Should the journal refuse one (journald restarting),
// the line goes to stderr with a "<priority>" prefix instead, which journald's stream reader turns
// back into the priority: nothing is lost and nothing throws.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JournalSink(std::string identifier) : identifier_(std::move(identifier)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string identifier_;
};

}  // namespace bgsync::daemon
