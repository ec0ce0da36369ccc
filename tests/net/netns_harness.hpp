// What the watcher tests stand on: a thread living in a network namespace of its own (made with
// unshare(CLONE_NEWNET), so it vanishes with its last socket — nothing to clean up, even after a
// failed test) that runs an io_context, and a client that configures that namespace over
// rtnetlink (veth links, addresses, routes) and waits for the kernel's acknowledgement.
#pragma once

#include <cstdint>
#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bgsync/proto/codec.hpp"
#include "daemon/net/rtnetlink.hpp"
#include "tests/net/netlink_builder.hpp"

namespace bgsync::net::test {

class NetnsThread {
 public:
  // Starts the thread; it leaves the process's network namespace for a new one, then runs io().
  NetnsThread();
  // Stops io() and joins; the namespace goes when its last socket closes.
  ~NetnsThread();
  NetnsThread(const NetnsThread&) = delete;
  NetnsThread& operator=(const NetnsThread&) = delete;

  // False when the namespace could not be made (not root, no CAP_SYS_ADMIN, a container).
  bool ok() const noexcept { return error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  boost::asio::io_context& io() noexcept { return io_; }

  // Runs `f` on the namespace's thread (where sockets are created in the namespace) and returns
  // its result; an exception thrown by `f` is rethrown here.
  template <class F>
  std::invoke_result_t<F&> run(F f) {
    std::packaged_task<std::invoke_result_t<F&>()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io_, std::move(task));
    return result.get();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::string error_;
  std::thread thread_;
};

// Sends configuration requests to the kernel of the namespace it was opened in, one at a time,
// each waiting (up to 2 s) for its acknowledgement. Usable from any thread once opened.
class RtnlClient {
 public:
  // Opens the socket in the calling thread's namespace: call it through NetnsThread::run.
  static proto::Result<RtnlClient> open();

  // Sends `message` with NLM_F_REQUEST | NLM_F_ACK and `flags` added; the error names `what`.
  proto::Result<void> request(Bytes message, std::uint16_t flags, std::string_view what);

  proto::Result<void> add_veth(int index, std::string_view name, int peer_index, std::string_view peer_name);
  proto::Result<void> set_link(int index, bool up);
  proto::Result<void> add_address(int index, std::string_view address, unsigned prefix_len);
  proto::Result<void> add_route(const RouteSpec& route);
  proto::Result<void> delete_route(const RouteSpec& route);

 private:
  explicit RtnlClient(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  std::uint32_t seq_ = 0;
};

}  // namespace bgsync::net::test
