// Many clients enqueueing at once, each on its own thread and connection.
#include "bench/enqueue_load.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bgsync::bench {

EnqueueRequest sample_post(const std::string& url, std::size_t body_bytes) {
  EnqueueRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body.reserve(body_bytes);
  for (std::size_t i = 0; i < body_bytes; ++i) request.body.push_back(static_cast<char>('a' + i % 26));
  return request;
}

double enqueue_concurrently(const std::string& socket, const EnqueueRequest& request, std::size_t count,
                            std::size_t clients) {
  if (clients == 0) clients = 1;
  std::mutex mutex;
  std::string failure;
  std::vector<Client> connections;
  // Connect first, so the clock measures enqueues, not hello handshakes.
  ConnectOptions options;
  options.socket_path = socket;
  for (std::size_t i = 0; i < clients; ++i) {
    auto client = Client::connect(options);
    if (!client) throw std::runtime_error("cannot connect to bgsyncd at " + socket + ": " + client.error().message);
    connections.push_back(std::move(*client));
  }
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < clients; ++i) {
    const std::size_t share = count / clients + (i < count % clients ? 1 : 0);
    threads.emplace_back([&, i, share] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::size_t n = 0; n < share; ++n) {
        auto done = connections[i].enqueue(request);
        if (!done) {
          std::lock_guard lock(mutex);
          if (failure.empty()) failure = done.error().message;
          return;
        }
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  if (!failure.empty()) throw std::runtime_error("enqueue failed: " + failure);
  return took.count();
}

}  // namespace bgsync::bench
