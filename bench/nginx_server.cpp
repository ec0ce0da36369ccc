// nginx-light as a child process for the benchmarks: a generated config in a private temp
// directory, a free loopback port, readiness by TCP connect, and requests and the connections that
// carried them counted from its access log or, cheaper for the server, its stub_status counters.
#include "bench/nginx_server.hpp"
#include "daemon/net/unique_fd.hpp"

#include "tests/support/test_ca.hpp"
#include "tests/support/test_util.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bgsync::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto start_timeout = 10s;
constexpr auto stop_timeout = 5s;
// Another process may take the free port between our probe and nginx's bind: then try another.
constexpr int port_attempts = 5;

using Fd = net::UniqueFd;

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A port nothing is bound to right now: the kernel's pick for port 0. Closing a socket that never
// listened leaves no TIME_WAIT behind, so nginx can bind it at once.
std::uint16_t free_port() {
  const Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw system_error("socket");
  auto address = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw system_error("bind 127.0.0.1:0");
  socklen_t size = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &size) != 0) throw system_error("getsockname");
  return ntohs(address.sin_port);
}

bool accepts_connections(std::uint16_t port) {
  const Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  const auto address = loopback(port);
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// One access log line per request: "<connection serial> <request number on it> <epoch seconds.ms>".
struct LogLine {
  std::uint64_t connection = 0;
  double epoch_seconds = 0;
};

std::optional<LogLine> parse_line(const std::string& line) {
  std::istringstream fields(line);
  LogLine parsed;
  std::uint64_t request_number = 0;
  if (fields >> parsed.connection >> request_number >> parsed.epoch_seconds) return parsed;
  return std::nullopt;
}

// Every line, or only the first when `first_only`.
std::vector<LogLine> parse_access_log(const fs::path& path, bool first_only = false) {
  std::vector<LogLine> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (auto parsed = parse_line(line)) {
      lines.push_back(*parsed);
      if (first_only) break;
    }
  }
  return lines;
}

// nginx's counters as stub_status shows them ("server accepts handled requests\n A H R").
struct Counters {
  std::uint64_t accepts = 0;
  std::uint64_t requests = 0;
};

Counters read_stub_status(std::uint16_t port) {
  const Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw system_error("socket");
  const timeval timeout{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const auto address = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw system_error("connect to nginx's status listener 127.0.0.1:" + std::to_string(port));
  const std::string_view request = "GET / HTTP/1.0\r\n\r\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw system_error("send to nginx's status listener");
  std::string reply;
  char buffer[1024];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n < 0) throw system_error("read nginx's status");
    if (n == 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  const auto heading = reply.find("server accepts handled requests");
  Counters counters;
  std::uint64_t handled = 0;
  if (heading == std::string::npos ||
      !(std::istringstream(reply.substr(heading + 31)) >> counters.accepts >> handled >> counters.requests)) {
    throw std::runtime_error("unexpected answer from nginx's stub_status:\n" + reply);
  }
  return counters;
}

}  // namespace

struct NginxServer::Impl {
  NginxOptions options;
  test::TempDir dir{"bgsync-nginx"};
  std::optional<test::TestCa> ca;
  std::uint16_t port = 0;
  std::uint16_t status_port = 0;  // with count_connections
  pid_t pid = -1;
  // count_connections: the counters at the last clear_log(), and status reads made since then
  // (each is one connection and one request of its own).
  Counters counted_from;
  std::uint64_t status_reads = 0;

  fs::path access_log() const { return dir / "access.log"; }
  fs::path error_log() const { return dir / "error.log"; }
  std::string logs() const { return read_text(error_log()) + read_text(dir / "stderr.log"); }

  std::string config() const;
  void spawn();
  bool wait_ready();  // false: nginx exited
  void stop();
};

std::string NginxServer::Impl::config() const {
  const std::string d = dir.path().string();
  std::ostringstream c;
  c << "# Generated by bgsync's benchmarks (bench/nginx_server.cpp).\n"
    << "daemon off;\n"
    << "worker_processes " << options.workers << ";\n";
  // Workers would otherwise run as nobody, who cannot enter the 0700 temp directory.
  if (::geteuid() == 0) c << "user root;\n";
  c << "pid " << d << "/nginx.pid;\n"
    << "error_log " << d << "/error.log warn;\n"
    << "events { worker_connections 1024; }\n"
    << "http {\n"
    << "  client_body_temp_path " << d << "/client_body_temp;\n"
    << "  proxy_temp_path " << d << "/proxy_temp;\n"
    << "  fastcgi_temp_path " << d << "/fastcgi_temp;\n"
    << "  uwsgi_temp_path " << d << "/uwsgi_temp;\n"
    << "  scgi_temp_path " << d << "/scgi_temp;\n";
  if (options.log_requests) {
    // $connection is a serial number shared by all workers; no buffer= so each line is written
    // (one write(2), O_APPEND) as its request completes, and counts are current at once.
    c << "  log_format reuse '$connection $connection_requests $msec';\n"
      << "  access_log " << d << "/access.log reuse;\n";
  } else {
    c << "  access_log off;\n";
  }
  c << "  keepalive_requests 100000;\n"
    << "  keepalive_timeout 60s;\n"
    << "  server {\n"
    << "    listen 127.0.0.1:" << port << (options.tls ? " ssl" : "") << ";\n";
  if (ca) {
    // Session cache and tickets stay at nginx's defaults (ssl_session_cache none, tickets on).
    c << "    ssl_certificate " << ca->server_cert_path() << ";\n"
      << "    ssl_certificate_key " << ca->server_key_path() << ";\n"
      << "    ssl_protocols TLSv1.2 TLSv1.3;\n";
  }
  // `return` reads and discards the request body before answering, so keep-alive holds for POSTs.
  c << "    location / { return 204; }\n"
    << "  }\n";
  if (options.count_connections) {
    c << "  server {\n"
      << "    listen 127.0.0.1:" << status_port << ";\n"
      << "    access_log off;\n"
      << "    location / { stub_status; }\n"
      << "  }\n";
  }
  c << "}\n";
  return c.str();
}

void NginxServer::Impl::spawn() {
  std::vector<std::string> args{NginxServer::binary().string(), "-p", dir.path().string() + "/",
                                "-c", (dir / "nginx.conf").string(), "-e", error_log().string()};
  auto argv = c_strings(args);
  const Fd out(::open((dir / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  const Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (out.get() < 0 || null.get() < 0) throw system_error("open nginx's stdio");
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    // Only async-signal-safe calls until exec: the parent may have other threads. Its own process
    // group lets stop() kill the workers too; SIGTERM on our death makes nginx stop them itself.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null.get(), STDIN_FILENO);
    ::dup2(out.get(), STDOUT_FILENO);
    ::dup2(out.get(), STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (child < 0) throw system_error("fork for nginx");
  pid = child;
}

bool NginxServer::Impl::wait_ready() {
  bool exited = false;
  // nginx writes its pid file after it has bound its sockets: before that, a connect that works
  // could reach another program that took the port.
  const bool ready = test::wait_until(
      [&] {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
          exited = true;
          pid = -1;
          return true;
        }
        return fs::exists(dir / "nginx.pid") && accepts_connections(port);
      },
      start_timeout, 10ms);
  if (exited) return false;
  if (!ready) {
    stop();
    throw std::runtime_error("nginx did not accept connections on 127.0.0.1:" + std::to_string(port) +
                             " within 10 s; its error log:\n" + logs());
  }
  return true;
}

void NginxServer::Impl::stop() {
  if (pid <= 0) return;
  int status = 0;
  ::kill(pid, SIGTERM);  // fast shutdown: the master stops its workers, then exits
  if (!test::wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, stop_timeout, 10ms)) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  pid = -1;
}

fs::path NginxServer::binary() {
  const fs::path nginx = "/usr/sbin/nginx";
  return ::access(nginx.c_str(), X_OK) == 0 ? nginx : fs::path{};
}

NginxServer::NginxServer(NginxOptions options) : impl_(std::make_unique<Impl>()) {
  if (binary().empty())
    throw std::runtime_error("nginx is not installed (no /usr/sbin/nginx; Debian package nginx-light)");
  if (options.workers < 1) throw std::invalid_argument("NginxServer: workers must be at least 1");
  impl_->options = options;
  if (options.tls) impl_->ca.emplace(impl_->dir.path());
  for (int attempt = 1;; ++attempt) {
    impl_->port = free_port();
    if (options.count_connections) {
      do {
        impl_->status_port = free_port();
      } while (impl_->status_port == impl_->port);
    }
    {
      std::ofstream conf(impl_->dir / "nginx.conf", std::ios::trunc);
      conf << impl_->config();
      if (!conf.flush()) throw std::runtime_error("cannot write " + (impl_->dir / "nginx.conf").string());
    }
    std::ofstream(impl_->error_log(), std::ios::trunc).flush();  // this attempt's messages only
    impl_->spawn();
    if (impl_->wait_ready()) break;
    const std::string log = impl_->logs();
    if (attempt < port_attempts && log.find("Address already in use") != std::string::npos) continue;
    throw std::runtime_error("nginx exited during start-up; its error log:\n" + log);
  }
  if (options.count_connections) clear_log();
}

NginxServer::~NginxServer() { impl_->stop(); }

std::string NginxServer::url(std::string_view path) const {
  std::string url = impl_->options.tls ? "https://localhost:" : "http://127.0.0.1:";
  url += std::to_string(impl_->port);
  if (path.empty() || path.front() != '/') url += '/';
  url += path;
  return url;
}

std::uint16_t NginxServer::port() const noexcept { return impl_->port; }

std::string NginxServer::ca_file() const { return impl_->ca ? impl_->ca->ca_cert_path() : std::string{}; }

NginxServer::ConnectionCounts NginxServer::connection_counts() const {
  if (!impl_->options.log_requests) {
    if (!impl_->options.count_connections)
      throw std::logic_error("NginxServer::connection_counts needs log_requests or count_connections");
    const auto now = read_stub_status(impl_->status_port);
    const auto reads = ++impl_->status_reads;
    return {now.requests - impl_->counted_from.requests - reads, now.accepts - impl_->counted_from.accepts - reads};
  }
  const auto lines = parse_access_log(impl_->access_log());
  std::unordered_set<std::uint64_t> connections;
  for (const auto& line : lines) connections.insert(line.connection);
  return {lines.size(), connections.size()};
}

std::optional<double> NginxServer::first_request_epoch_ms() const {
  if (!impl_->options.log_requests) throw std::logic_error("NginxServer::first_request_epoch_ms needs log_requests");
  const auto lines = parse_access_log(impl_->access_log(), true);
  if (lines.empty()) return std::nullopt;
  return lines.front().epoch_seconds * 1000.0;
}

void NginxServer::clear_log() {
  if (impl_->options.count_connections) {
    impl_->counted_from = read_stub_status(impl_->status_port);
    impl_->status_reads = 0;
  }
  if (!impl_->options.log_requests) {
    if (!impl_->options.count_connections)
      throw std::logic_error("NginxServer::clear_log needs log_requests or count_connections");
    return;
  }
  // nginx appends (O_APPEND), so after truncation its next line lands at offset 0.
  if (::truncate(impl_->access_log().c_str(), 0) != 0 && errno != ENOENT)
    throw system_error("truncate " + impl_->access_log().string());
}

}  // namespace bgsync::bench
