// Building and tearing down the two-namespace topology with iproute2, and entering a namespace
// from a thread (setns) to start a server or a process inside it.
#include "tests/netns/netns_topology.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "tests/e2e/daemon_process.hpp"

namespace bgsync::test {
namespace fs = std::filesystem;

namespace {

constexpr const char* netns_dir = "/var/run/netns";

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Namespaces left by an earlier run that was killed before its destructors ran (a CTest
// timeout): their names carry the pid of a process that no longer exists.
void remove_stale_namespaces(const std::string& ip) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(netns_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("bgsync-c-", 0) != 0 && name.rfind("bgsync-s-", 0) != 0) continue;
    const auto pid = std::strtol(name.c_str() + 9, nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      run_process({ip, "netns", "del", name});
    }
  }
}

// A command's stderr for a message: without the trailing newline.
std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string unique_name(const char* role) {
  static std::atomic<int> counter{0};
  return std::string("bgsync-") + role + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

std::string ip_program() {
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string dir; std::getline(ss, dir, ':');)
      if (!dir.empty()) dirs.emplace_back(dir);
  }
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.emplace_back(dir);
  for (const auto& dir : dirs) {
    const auto candidate = dir / "ip";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

ScopedNetns::ScopedNetns(const std::string& name) {
  home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home_ < 0) throw std::runtime_error(std::string("open /proc/thread-self/ns/net: ") + std::strerror(errno));
  const std::string path = std::string(netns_dir) + "/" + name;
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    const std::string error = std::strerror(errno);
    if (target >= 0) ::close(target);
    ::close(home_);
    throw std::runtime_error("cannot enter network namespace " + name + ": " + error);
  }
  ::close(target);
}

ScopedNetns::~ScopedNetns() {
  if (::setns(home_, CLONE_NEWNET) != 0) {
    // Going on would put every later socket of this thread in the test's namespace.
    const char message[] = "ScopedNetns: cannot return to the original network namespace\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
    std::abort();
  }
  ::close(home_);
}

NetnsTopology::NetnsTopology() : client_(unique_name("c")), server_(unique_name("s")) {
  const std::string ip = ip_program();
  if (ip.empty()) throw NetnsUnavailable("the ip program (iproute2) is not installed");
  static std::once_flag cleaned;
  std::call_once(cleaned, [&] { remove_stale_namespaces(ip); });

  const auto add_netns = [&](const std::string& name, bool& made) {
    const auto r = run_process({ip, "netns", "add", name});
    if (r.exit_code != 0) {
      destroy();
      throw NetnsUnavailable("ip netns add " + name + ": " + (r.err.empty() ? "exit " + std::to_string(r.exit_code) : trimmed(r.err)));
    }
    made = true;
  };
  add_netns(client_, client_made_);
  add_netns(server_, server_made_);
  // Both ends are created directly inside their namespaces: nothing appears in ours, even briefly.
  auto veth = run_process({ip, "-n", client_, "link", "add", client_link, "type", "veth", "peer", "name",
                           server_link, "netns", server_});
  if (veth.exit_code != 0) {
    destroy();
    throw NetnsUnavailable("cannot create a veth pair: " + trimmed(veth.err));
  }
  try {
    this->ip(server_, {"link", "set", "lo", "up"});
    this->ip(client_, {"link", "set", "lo", "up"});
    this->ip(server_, {"address", "add", std::string(service_address) + "/32", "dev", "lo"});
    this->ip(server_, {"address", "add", std::string(server_link_address) + "/24", "dev", server_link});
    this->ip(client_, {"address", "add", std::string(client_link_address) + "/24", "dev", client_link});
    this->ip(server_, {"link", "set", server_link, "up"});
    link_up();
    add_default_route();
  } catch (...) {
    destroy();
    throw;
  }
}

NetnsTopology::~NetnsTopology() { destroy(); }

void NetnsTopology::destroy() noexcept {
  const std::string ip = ip_program();
  // Deleting a namespace destroys the veth end in it, and with it the pair.
  try {
    if (client_made_) run_process({ip, "netns", "del", client_});
    if (server_made_) run_process({ip, "netns", "del", server_});
  } catch (...) {
    // Nothing better to do in a destructor; a later run removes the stale names.
  }
  client_made_ = server_made_ = false;
}

void NetnsTopology::ip(const std::string& ns, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{ip_program(), "-n", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_process(argv);
  if (r.exit_code != 0) {
    throw std::runtime_error("`ip -n " + ns + " " + join(args) + "` exited " + std::to_string(r.exit_code) + ": " + trimmed(r.err));
  }
}

void NetnsTopology::link_down() { ip(client_, {"link", "set", client_link, "down"}); }

void NetnsTopology::link_up() { ip(client_, {"link", "set", client_link, "up"}); }

void NetnsTopology::remove_default_route() { ip(client_, {"route", "del", "default"}); }

void NetnsTopology::add_default_route() {
  ip(client_, {"route", "add", "default", "via", server_link_address, "dev", client_link});
}

void NetnsTopology::set_server_port_range(int low, int high) const {
  // /proc/sys/net shows the namespace of the thread that opens it.
  const ScopedNetns in(server_);
  {
    std::ofstream out("/proc/sys/net/ipv4/ip_local_port_range");
    out << low << ' ' << high << '\n';
    if (!out.flush()) throw std::runtime_error("cannot set ip_local_port_range in " + server_);
  }
  std::ifstream in_file("/proc/sys/net/ipv4/ip_local_port_range");
  int got_low = 0, got_high = 0;
  in_file >> got_low >> got_high;
  if (got_low != low || got_high != high) {
    throw std::runtime_error("ip_local_port_range in " + server_ + " is " + std::to_string(got_low) + " " +
                             std::to_string(got_high) + " after setting it");
  }
}

std::unique_ptr<HttpServer> NetnsTopology::start_server(HttpServerOptions options) const {
  if (options.address == HttpServerOptions{}.address) options.address = service_address;
  // The listening socket is made in the constructor, on this thread: in the server namespace.
  const ScopedNetns in(server_);
  return std::make_unique<HttpServer>(std::move(options));
}

}  // namespace bgsync::test
