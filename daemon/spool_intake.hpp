// SpoolIntake: takes into the outbox the actions that clients spooled while bgsyncd was not
// running (PROTOCOL.md, "The spool"): every file there at start, then each one that appears
// (inotify). A file is removed only once its action is durable in the outbox, and the action id
// is the key, so a crash at any point neither loses nor doubles one. A file that cannot be taken
// in is moved to rejected/ with a log line and a `rejected` event, and never holds up the others.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/unique_fd.hpp"

namespace bgsync::store {
class CommitQueue;
}  // namespace bgsync::store

namespace bgsync::daemon {

class Scheduler;
struct DaemonOptions;

class SpoolIntake {
 public:
  // `options`: the values in effect (the default ttl, as reloads change it).
  SpoolIntake(boost::asio::any_io_executor executor, store::CommitQueue& commits, Scheduler& scheduler,
              const DaemonOptions& options);
  ~SpoolIntake();
  SpoolIntake(const SpoolIntake&) = delete;
  SpoolIntake& operator=(const SpoolIntake&) = delete;

  // Creates `dir` (0700) and its rejected/ if missing, watches it, then takes in what is there
  // and, until stop(), what arrives. Errors (the directory cannot be made, opened or watched)
  // leave the intake off; the message names the directory.
  proto::Result<void> start(const std::filesystem::path& dir);
  void stop();

  struct Item;  // one spool file as read: what it asks to enqueue, or why it is refused

 private:
  boost::asio::awaitable<void> run();
  // Takes in the files there are now, in name order (creation order), a batch at a time. False
  // when a commit failed: the files stay for the next try.
  boost::asio::awaitable<bool> drain();
  // Commits one batch, then settles its files; how many were taken in (nullopt: the commit failed).
  boost::asio::awaitable<std::optional<std::size_t>> take_in(std::vector<Item> items);
  // Unlinks what is in the outbox, moves aside what was refused (reasons[i] non-empty).
  void settle(const std::vector<Item>& items, const std::vector<std::string>& reasons);
  std::vector<std::string> list() const;
  bool consume_notifications();  // true when a *.json file may have appeared

  store::CommitQueue& commits_;
  Scheduler& scheduler_;
  const DaemonOptions& options_;
  std::filesystem::path dir_;
  net::UniqueFd dir_fd_;
  net::UniqueFd rejected_fd_;
  boost::asio::posix::stream_descriptor inotify_;
  boost::asio::steady_timer retry_timer_;
  std::set<std::string> stuck_;  // files that could be neither removed nor moved aside: skipped
  bool stopped_ = false;
};

}  // namespace bgsync::daemon
