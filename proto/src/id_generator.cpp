// UUIDv7 generation: 48-bit Unix milliseconds, a 12-bit in-millisecond counter, 62 random bits.
#include "bgsync/proto/id_generator.hpp"

#include <chrono>

namespace bgsync::proto {

IdGenerator::IdGenerator() : rng_(std::random_device{}()) {}

ActionId IdGenerator::next() {
  using namespace std::chrono;
  auto ms = static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  if (ms <= last_ms_) {
    // Same millisecond, or the clock went back: stay after the last id.
    ms = last_ms_;
    if (++counter_ > 0x0fff) {
      ++ms;
      counter_ = 0;
    }
  } else {
    counter_ = static_cast<std::uint16_t>(rng_() & 0x01ff);  // random start, room to count up
  }
  last_ms_ = ms;

  ActionId id;
  auto& b = id.bytes;
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | (counter_ >> 8));
  b[7] = static_cast<std::uint8_t>(counter_ & 0xff);
  const std::uint64_t r = rng_();
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(r >> (56 - 8 * i));
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));  // RFC 9562 variant
  return id;
}

}  // namespace bgsync::proto
