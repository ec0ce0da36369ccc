// bgsync_bench_load: enqueues N copies of the benchmarks' 1 KiB POST into a running bgsyncd from C
// clients at once and prints the rate. The load that bench/instructions counts instructions under,
// and a quick way to compare two daemons (alternate them: one run on this machine moves by 20%).
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "bench/enqueue_load.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Enqueue N 1 KiB POSTs into a running bgsyncd from C clients at once; print the rate"};
  std::string socket;
  std::size_t count = 20000;
  std::size_t clients = 32;
  std::size_t body_bytes = 1024;
  std::string url = "http://127.0.0.1:9/inbox";
  app.add_option("--socket", socket, "bgsyncd's control socket")->required();
  app.add_option("--count", count, "Enqueues in all (default 20000)");
  app.add_option("--clients", clients, "Threads, each with its own connection (default 32)");
  app.add_option("--body-bytes", body_bytes, "Body size (default 1024)");
  app.add_option("--url", url, "Where the actions would go (default http://127.0.0.1:9/inbox: pause bgsyncd first)");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto request = bgsync::bench::sample_post(url, body_bytes);
    const double seconds = bgsync::bench::enqueue_concurrently(socket, request, count, clients);
    std::printf("%zu enqueues from %zu clients in %.3f s: %.0f/s\n", count, clients, seconds,
                static_cast<double>(count) / seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bgsync_bench_load: %s\n", e.what());
    return 1;
  }
  return 0;
}
