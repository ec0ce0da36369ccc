// Fills bgsyncd's outbox from many clients at once, the way several apps would: each thread has
// its own connection and enqueues one action at a time, waiting for each durable ack. Shared by
// the benchmarks that need a full queue (drain, scale) or measure enqueue rates (enqueue).
#pragma once

#include <cstddef>
#include <string>

#include "bgsync/client.hpp"

namespace bgsync::bench {

// A POST of `body_bytes` printable bytes to `url`, as the benchmarks enqueue it.
EnqueueRequest sample_post(const std::string& url, std::size_t body_bytes = 1024);

// Enqueues `count` copies of `request` from `clients` threads (count split evenly), each with its
// own Client on `socket`. Returns the seconds from the first request to the last ack. Throws
// std::runtime_error with the client's message if any enqueue fails.
double enqueue_concurrently(const std::string& socket, const EnqueueRequest& request, std::size_t count,
                            std::size_t clients);

}  // namespace bgsync::bench
