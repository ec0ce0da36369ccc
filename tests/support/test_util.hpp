// Small helpers every bgsync test uses: a temporary directory that cleans up after itself, and a
// bounded wait for a condition that has no notification of its own (a file appearing, a process).
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace bgsync::test {

// A fresh directory under /tmp (mkdtemp, mode 0700), removed with everything in it on destruction.
// Paths stay short enough for a Unix socket (sun_path is 108 bytes). Throws std::runtime_error if
// the directory cannot be made.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "bgsync-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Sets (or with std::nullopt unsets) an environment variable for the scope, then restores it.
// Not thread-safe, like setenv itself: use it before starting threads that read the environment.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

// Calls `pred` until it returns true or `deadline` passes, sleeping `step` (at most until the
// deadline) in between; returns the last result. For conditions that nothing notifies — when
// something can notify (HttpServer::wait_for_requests, an event stream), wait on that instead.
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::steady_clock::time_point deadline,
                std::chrono::milliseconds step = std::chrono::milliseconds{5}) {
  for (;;) {
    if (pred()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, deadline - now));
  }
}

template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds{5}) {
  return wait_until(std::forward<Pred>(pred), std::chrono::steady_clock::now() + timeout, step);
}

}  // namespace bgsync::test
