// The client's half of the spool: bgsync::enqueue and bgsync::spool, and the atomic, durable
// writing of a spool file, so that a request made while bgsyncd is down survives a crash of the
// app or the machine, and bgsyncd never sees half a file.
#include "client-lib/src/spool.hpp"

#include "bgsync/client.hpp"
#include "bgsync/proto/id_generator.hpp"
#include "bgsync/proto/paths.hpp"
#include "client-lib/src/transport.hpp"

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bgsync {
namespace detail {
namespace {

Error system_error(const std::string& path, std::string_view what, int error_number = errno) {
  return Error{std::error_code(error_number, std::system_category()),
               "spool " + path + ": " + std::string(what) + ": " + std::strerror(error_number)};
}

// mkdir -p with mode 0700 for what it creates; then the directory must be ours and no symlink.
Result<void> make_private_dir(const std::string& dir) {
  for (std::size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
    const std::string part = dir.substr(0, at);
    if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return system_error(part, "cannot create it");
    if (at == std::string::npos) break;
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return system_error(dir, "cannot stat it");
  if (!S_ISDIR(st.st_mode)) return system_error(dir, "not a directory (or a symbolic link)", ENOTDIR);
  if (st.st_uid != ::geteuid()) return system_error(dir, "owned by another user", EPERM);
  return {};
}

Result<void> write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return system_error(path, "cannot write it");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Writes `text` to dir/tmp, fsynced, and renames it to dir/name; then fsyncs the directory so the
// name is durable too.
Result<void> publish_file(int dir_fd, const std::string& dir, const std::string& tmp, const std::string& name,
                          std::string_view text) {
  const std::string tmp_path = dir + "/" + tmp;
  UniqueFd fd(::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return system_error(tmp_path, "cannot create it");
  auto written = write_all(fd.get(), text, tmp_path);
  if (written && ::fsync(fd.get()) != 0) written = system_error(tmp_path, "cannot fsync it");
  if (written && ::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) {
    written = system_error(dir + "/" + name, "cannot rename the temporary file to it");
  }
  if (!written) {
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    return written;
  }
  if (::fsync(dir_fd) != 0) return system_error(dir, "cannot fsync the directory");
  return {};
}

}  // namespace

Result<void> write_spool_file(const std::string& dir, const proto::SpoolEntry& entry) {
  const std::string text = boost::json::serialize(proto::to_json(entry)) + "\n";
  if (text.size() > proto::max_frame_size) {
    return proto::make_error(proto::errc::frame_too_large, "the request is " + std::to_string(text.size()) +
                                                               " bytes as a spool file; bgsyncd takes at most " +
                                                               std::to_string(proto::max_frame_size));
  }
  if (auto made = make_private_dir(dir); !made) return made.error();
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd) return system_error(dir, "cannot open it");
  const std::string id = entry.id.to_string();
  return publish_file(dir_fd.get(), dir, ".tmp-" + id, proto::spool_file_name(entry.id), text);
}

proto::SpoolEntry new_spool_entry(EnqueueRequest request) {
  // One generator per process: ids, hence file names, sort in the order this process spooled.
  static std::mutex mutex;
  static proto::IdGenerator ids;
  proto::SpoolEntry entry;
  {
    const std::lock_guard lock(mutex);
    entry.id = ids.next();
  }
  entry.created = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  entry.request = std::move(request);
  return entry;
}

}  // namespace detail

Result<Action> spool(const EnqueueRequest& request, const ConnectOptions& options) {
  if (auto valid = proto::validate_enqueue(request); !valid) return valid.error();
  auto entry = detail::new_spool_entry(request);
  const auto dir = proto::resolve_spool_dir(options.spool_dir, proto::default_state_dir());
  if (auto written = detail::write_spool_file(dir.path, entry); !written) return written.error();
  // As Client::enqueue returns it: the action as stored, without its body. Its expiry is known here
  // only when the request says it; else bgsyncd applies its --default-ttl at intake, from `created`.
  std::optional<proto::TimePoint> expires_at = entry.request.policy.expires_at;
  if (!expires_at && entry.request.ttl) expires_at = entry.created + *entry.request.ttl;
  return proto::enqueued_action(entry.request,
                                proto::Enqueued{entry.id, entry.created, proto::WaitReason::none, expires_at, 0});
}

Result<EnqueueOutcome> enqueue(const EnqueueRequest& request, const ConnectOptions& options) {
  auto client = Client::connect(options);
  if (!client) {
    if (!options.spool || client.error().code != client_errc::not_running) return client.error();
    auto spooled = spool(request, options);
    if (!spooled) return spooled.error();
    return EnqueueOutcome{std::move(*spooled), true};
  }
  auto action = client->enqueue(request);
  if (!action) return action.error();
  return EnqueueOutcome{std::move(*action), false};
}

}  // namespace bgsync
