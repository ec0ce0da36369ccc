// Socket path resolution: --socket, then BGSYNC_SOCKET, then $XDG_RUNTIME_DIR, then /tmp/bgsync-<uid>.
// The tests change the process environment and restore it afterwards.
#include "bgsync/proto/paths.hpp"
#include "bgsync/proto/spool.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

using namespace bgsync::proto;

namespace {

// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string fallback() { return "/tmp/bgsync-" + std::to_string(::getuid()) + "/bgsyncd.sock"; }

}  // namespace

TEST_CASE("default_socket_path prefers an absolute XDG_RUNTIME_DIR", "[paths]") {
  {
    ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/1000");
    const SocketPath path = default_socket_path();
    CHECK(path.path == "/run/user/1000/bgsync/bgsyncd.sock");
    CHECK(path.source == "XDG_RUNTIME_DIR");
  }
  {
    ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/1000/");
    CHECK(default_socket_path().path == "/run/user/1000/bgsync/bgsyncd.sock");
  }
  for (const std::optional<std::string>& value :
       {std::optional<std::string>(), std::optional<std::string>(""), std::optional<std::string>("run/user/1000")}) {
    INFO(value.value_or("(unset)"));
    ScopedEnv runtime("XDG_RUNTIME_DIR", value);
    const SocketPath path = default_socket_path();
    CHECK(path.path == fallback());
    CHECK(path.source == "fallback");
  }
}

TEST_CASE("resolve_socket_path: explicit, then BGSYNC_SOCKET, then the default", "[paths]") {
  ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/1000");
  {
    ScopedEnv socket("BGSYNC_SOCKET", "/tmp/test.sock");
    const SocketPath explicit_path = resolve_socket_path("/srv/my.sock");
    CHECK(explicit_path.path == "/srv/my.sock");
    CHECK(explicit_path.source == "--socket");
    const SocketPath from_env = resolve_socket_path("");
    CHECK(from_env.path == "/tmp/test.sock");
    CHECK(from_env.source == "BGSYNC_SOCKET");
  }
  {
    ScopedEnv socket("BGSYNC_SOCKET", "");
    CHECK(resolve_socket_path("").source == "XDG_RUNTIME_DIR");
  }
  {
    ScopedEnv socket("BGSYNC_SOCKET", std::nullopt);
    const SocketPath path = resolve_socket_path("");
    CHECK(path.path == "/run/user/1000/bgsync/bgsyncd.sock");
    CHECK(path.source == "XDG_RUNTIME_DIR");
  }
}

TEST_CASE("spool dir: the explicit one, then BGSYNC_SPOOL, then spool in the state dir", "[proto][paths][spool]") {
  {
    ScopedEnv spool("BGSYNC_SPOOL", std::nullopt);
    CHECK(resolve_spool_dir("", "/home/ann/.local/state/bgsync").path == "/home/ann/.local/state/bgsync/spool");
    CHECK(resolve_spool_dir("", "/s/").path == "/s/spool");
    CHECK(resolve_spool_dir("", "/s").source == "state dir");
    CHECK(resolve_spool_dir("/given", "/s").path == "/given");
  }
  {
    ScopedEnv spool("BGSYNC_SPOOL", "/from/env");
    CHECK(resolve_spool_dir("", "/s").path == "/from/env");
    CHECK(resolve_spool_dir("", "/s").source == "BGSYNC_SPOOL");
    CHECK(resolve_spool_dir("/given", "/s").source == "--spool-dir");
  }
  ScopedEnv empty("BGSYNC_SPOOL", "");
  CHECK(resolve_spool_dir("", "/s").path == "/s/spool");
}
