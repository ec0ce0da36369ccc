// SpoolIntake: reading and checking spool files, committing their actions in small batches (so
// a large spool never holds up the acks of live enqueues for long), then removing the files.
#include "daemon/spool_intake.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include "bgsync/proto/spool.hpp"
#include "daemon/clock.hpp"
#include "daemon/enqueue_defaults.hpp"
#include "daemon/options.hpp"
#include "daemon/runtime_paths.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/store/commit_queue.hpp"

namespace bgsync::daemon {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Files per commit job: small, so that a live enqueue waits behind at most one such job.
constexpr std::size_t batch_size = 32;
// After a failed commit (storage full or failing) the files wait this long, or for a new file.
constexpr auto retry_delay = 5s;

std::string system_error(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

// Reads a whole regular file of at most proto::max_frame_size bytes; sets `reason` otherwise (not
// when the file is gone).
std::optional<std::string> read_small_file(int dir_fd, const std::string& name, std::string& reason) {
  // O_NOFOLLOW: a symlink could point anywhere the daemon may read. O_NONBLOCK: a FIFO must not
  // hang the open (it is refused below as not a regular file).
  net::UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;  // gone: nothing to take in, nothing to refuse
    reason = errno == ELOOP ? "a symbolic link" : system_error("cannot open it");
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    reason = system_error("cannot stat it");
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    reason = "not a regular file";
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(st.st_size) > proto::max_frame_size) {
    reason = "too large: " + std::to_string(st.st_size) + " bytes, more than the " +
             std::to_string(proto::max_frame_size) + " of a request";
    return std::nullopt;
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const auto n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      reason = system_error("cannot read it");
      return std::nullopt;
    }
    if (n == 0) break;  // shrank under us: what is there is judged
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace

// One spool file: what it asks to enqueue, or why it is refused.
struct SpoolIntake::Item {
  std::string name;
  proto::ActionId id;  // from the name (all zeros when the name holds none)
  std::optional<proto::SpoolEntry> entry;
  std::string reason;  // why it is refused, when it is
};

namespace {

// nullopt when the file is gone.
std::optional<SpoolIntake::Item> read_item(int dir_fd, std::string name) {
  SpoolIntake::Item item{std::move(name), {}, std::nullopt, {}};
  const auto id = proto::parse_spool_file_name(item.name);
  if (!id) {
    item.reason = "its name is not <action id>.json";
    return item;
  }
  item.id = *id;
  const auto text = read_small_file(dir_fd, item.name, item.reason);
  if (!text && item.reason.empty()) return std::nullopt;
  if (!text) return item;
  boost::system::error_code ec;
  const auto value = boost::json::parse(*text, ec);
  if (ec || !value.is_object()) {
    item.reason = ec ? "not JSON: " + ec.message() : "not a JSON object";
    return item;
  }
  auto entry = proto::parse_spool_entry(value.get_object());
  if (!entry) {
    item.reason = entry.error().message;
  } else if (entry->id != *id) {
    item.reason = "its action_id " + entry->id.to_string() + " is not the one its name holds";
  } else {
    item.entry = std::move(*entry);
  }
  return item;
}

}  // namespace

SpoolIntake::SpoolIntake(asio::any_io_executor executor, store::CommitQueue& commits, Scheduler& scheduler,
                         const DaemonOptions& options)
    : commits_(commits), scheduler_(scheduler), options_(options), inotify_(executor), retry_timer_(executor) {}

SpoolIntake::~SpoolIntake() = default;

proto::Result<void> SpoolIntake::start(const fs::path& dir) {
  dir_ = dir;
  for (const auto& d : {dir, dir / "rejected"}) {
    if (auto ok = ensure_private_dir(d, /*create_parents=*/true, /*require_private=*/false); !ok) return ok.error();
  }
  auto fail = [&](std::string_view what) { return proto::make_error(proto::errc::storage_error, dir.string() + ": " + system_error(what)); };
  dir_fd_ = net::UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  rejected_fd_ = net::UniqueFd(::open((dir / "rejected").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd_ || !rejected_fd_) return fail("cannot open the spool directory");
  net::UniqueFd notify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!notify) return fail("inotify_init1");
  // Watched before the first listing, so that no file falls between the two.
  if (::inotify_add_watch(notify.get(), dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_ONLYDIR) < 0) {
    return fail("cannot watch it (inotify)");
  }
  inotify_.assign(notify.release());
  asio::co_spawn(inotify_.get_executor(), run(), asio::detached);
  return {};
}

void SpoolIntake::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  inotify_.close(ignored);
  retry_timer_.cancel();
}

asio::awaitable<void> SpoolIntake::run() {
  while (!stopped_) {
    if (!co_await drain()) {
      retry_timer_.expires_after(retry_delay);
      co_await retry_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    bool arrived = false;
    while (!arrived && !stopped_) {
      auto [ec] = co_await inotify_.async_wait(asio::posix::descriptor_base::wait_read,
                                               asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;  // closed by stop()
      arrived = consume_notifications();
    }
  }
}

bool SpoolIntake::consume_notifications() {
  alignas(inotify_event) char buffer[16 * 1024];
  bool json = false;
  for (;;) {
    const auto n = ::read(inotify_.native_handle(), buffer, sizeof buffer);
    if (n <= 0) return json;  // EAGAIN: all read
    for (const char* at = buffer; at < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      at += sizeof(inotify_event) + event->len;
      // An overflowed queue lost names: look at the whole directory.
      if ((event->mask & IN_Q_OVERFLOW) != 0) json = true;
      if (event->len == 0 || !std::string_view(event->name).ends_with(".json")) continue;
      // A regular file is looked at once it is complete (moved in, or closed after writing); a
      // symlink or FIFO, which gets neither, when it is created.
      struct stat st {};
      const bool created_whole = (event->mask & IN_CREATE) != 0 &&
                                 ::fstatat(dir_fd_.get(), event->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                 !S_ISREG(st.st_mode);
      if ((event->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) != 0 || created_whole) json = true;
    }
  }
}

std::vector<std::string> SpoolIntake::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    // Temporary files (".tmp-<id>") are a client's unfinished writes; rejected/ is ours.
    if (!name.ends_with(".json") || name.starts_with('.') || stuck_.contains(name)) continue;
    names.push_back(std::move(name));
  }
  if (ec) spdlog::warn("spool {}: cannot list it: {}", dir_.string(), ec.message());
  std::sort(names.begin(), names.end());  // UUIDv7 names: creation order, so tags keep their order
  return names;
}

asio::awaitable<bool> SpoolIntake::drain() {
  const auto names = list();
  std::size_t taken = 0;
  std::size_t rejected = 0;
  for (std::size_t at = 0; at < names.size() && !stopped_; at += batch_size) {
    std::vector<Item> items;
    for (std::size_t i = at; i < std::min(names.size(), at + batch_size); ++i) {
      if (auto item = read_item(dir_fd_.get(), names[i])) items.push_back(std::move(*item));
    }
    if (items.empty()) continue;
    const std::size_t count = items.size();
    const auto taken_now = co_await take_in(std::move(items));
    if (!taken_now) co_return false;
    taken += *taken_now;
    rejected += count - *taken_now;
  }
  if (taken + rejected > 0) {
    spdlog::info("spool {}: took in {} file{}, rejected {}", dir_.string(), taken, taken == 1 ? "" : "s", rejected);
  }
  co_return true;
}

asio::awaitable<std::optional<std::size_t>> SpoolIntake::take_in(std::vector<Item> items) {
  for (Item& item : items) {
    if (item.entry) fill_in_expiry(item.entry->request, item.entry->created, options_.default_ttl);
  }
  auto shared = std::make_shared<const std::vector<Item>>(std::move(items));
  // Per item: "" when its action is in the outbox (now, or from before a crash), else why not.
  store::CommitQueue::Job<std::vector<std::string>> job = [shared](store::WriteTxn& txn)
      -> store::Result<std::vector<std::string>> {
    const auto now = now_ms();
    std::vector<std::string> reasons(shared->size());
    for (std::size_t i = 0; i < shared->size(); ++i) {
      const Item& item = (*shared)[i];
      reasons[i] = item.reason;
      if (item.entry) {
        auto action = txn.enqueue_spooled(item.entry->request, item.entry->id, item.entry->created, now);
        if (action) continue;
        if (txn.poisoned()) return action.error();
        reasons[i] = action.error().message;
      }
      if (auto e = txn.record_rejected(item.id, "spool file " + item.name + ": " + reasons[i], now); !e) return e.error();
    }
    return reasons;
  };
  auto reasons = co_await commits_.run(std::move(job));
  if (!reasons) {
    if (reasons.error().code != proto::errc::shutting_down) {
      spdlog::error("spool {}: cannot take files in ({}); they stay there", dir_.string(), reasons.error().message);
    }
    co_return std::nullopt;
  }
  // Durable now: only from here may the files go.
  settle(*shared, *reasons);
  scheduler_.wake_soon();
  co_return static_cast<std::size_t>(std::count(reasons->begin(), reasons->end(), std::string()));
}

void SpoolIntake::settle(const std::vector<Item>& items, const std::vector<std::string>& reasons) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& name = items[i].name;
    if (reasons[i].empty()) {
      if (::unlinkat(dir_fd_.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
        spdlog::error("spool {}: took in {} but {}; skipping it from now on", dir_.string(), name,
                      system_error("cannot remove it"));
        stuck_.insert(name);
      }
      continue;
    }
    spdlog::warn("spool {}: moved {} to rejected/: {}", dir_.string(), name, reasons[i]);
    if (::renameat(dir_fd_.get(), name.c_str(), rejected_fd_.get(), name.c_str()) != 0 && errno != ENOENT) {
      spdlog::error("spool {}: {}; skipping it from now on", dir_.string(), system_error("cannot move " + name + " aside"));
      stuck_.insert(name);
    }
  }
}

}  // namespace bgsync::daemon
