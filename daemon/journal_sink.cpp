// The journal sink: native journal fields from spdlog messages, and the JOURNAL_STREAM check.
#include "daemon/journal_sink.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

// Without this, sd_journal_sendv records this file and line as every entry's CODE_FILE/CODE_LINE.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

namespace bgsync::daemon {

namespace {

bool is_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

iovec field(const std::string& text) { return {const_cast<char*>(text.data()), text.size()}; }

}  // namespace

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode;
}

int journal_priority(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LOG_DEBUG;
    case spdlog::level::info:
      return LOG_INFO;
    case spdlog::level::warn:
      return LOG_WARNING;
    case spdlog::level::err:
      return LOG_ERR;
    case spdlog::level::critical:
      return LOG_CRIT;
    default:
      return LOG_INFO;
  }
}

std::optional<std::string_view> logged_action_id(std::string_view message) noexcept {
  constexpr std::string_view prefix = "action ";
  if (!message.starts_with(prefix) || message.size() < prefix.size() + 36) return std::nullopt;
  const auto id = message.substr(prefix.size(), 36);
  const auto rest = message.substr(prefix.size() + 36);
  if (!is_uuid(id) || !(rest.empty() || rest.front() == ':' || rest.front() == ' ')) return std::nullopt;
  return id;
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  const int priority = journal_priority(msg.level);
  const std::string message = "MESSAGE=" + std::string(text);
  const std::string priority_field = "PRIORITY=" + std::to_string(priority);
  const std::string identifier = "SYSLOG_IDENTIFIER=" + identifier_;
  std::string action;
  std::array<iovec, 4> fields{field(message), field(priority_field), field(identifier)};
  int count = 3;
  if (const auto id = logged_action_id(text)) {
    action = "BGSYNC_ACTION_ID=" + std::string(*id);
    fields[count++] = field(action);
  }
  if (::sd_journal_sendv(fields.data(), count) >= 0) return;
  const std::string line = "<" + std::to_string(priority) + ">" + std::string(text) + "\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace bgsync::daemon
