// Private to daemon/store: the byte writer and bounds-checked reader behind every on-disk record
// (record.cpp for actions and events, periodic_record.cpp for registrations and their cache).
// Fixed-width fields are little-endian; strings and header lists are u32-length-prefixed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "bgsync/proto/types.hpp"

namespace bgsync::store::record::io {

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { fixed(v, 4); }
  void u64(std::uint64_t v) { fixed(v, 8); }
  void i64(std::int64_t v) { fixed(static_cast<std::uint64_t>(v), 8); }
  void i32(std::int32_t v) { fixed(static_cast<std::uint32_t>(v), 4); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void headers(const proto::Headers& hs) {
    u32(static_cast<std::uint32_t>(hs.size()));
    for (const auto& h : hs) {
      str(h.name);
      str(h.value);
    }
  }
  void reserve(std::size_t n) { out_.reserve(n); }
  std::string take() { return std::move(out_); }

 private:
  void fixed(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Past the end of the input every getter yields 0 or empty and ok() turns false, so a decoder
// reads straight through and checks once at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(fixed(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(fixed(8)); }
  std::int32_t i32() { return static_cast<std::int32_t>(static_cast<std::uint32_t>(fixed(4))); }
  std::string str() {
    std::uint32_t n = u32();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  proto::Headers headers() {
    std::uint32_t n = u32();
    proto::Headers hs;
    // Each header takes at least 8 bytes: refuse absurd counts before allocating.
    if (!ok_ || n > in_.size() / 8) {
      ok_ = false;
      return hs;
    }
    hs.reserve(n);
    for (std::uint32_t i = 0; i < n && ok_; ++i) {
      proto::Header h;
      h.name = str();
      h.value = str();
      hs.push_back(std::move(h));
    }
    return hs;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  std::size_t remaining() const { return in_.size(); }

 private:
  std::uint64_t fixed(std::size_t bytes) {
    if (!ok_ || in_.size() < bytes) {
      ok_ = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(in_[i])} << (8 * i);
    in_.remove_prefix(bytes);
    return v;
  }
  std::string_view in_;
  bool ok_ = true;
};

inline std::int64_t ms(proto::TimePoint t) { return t.time_since_epoch().count(); }
inline proto::TimePoint from_ms(std::int64_t v) { return proto::TimePoint{std::chrono::milliseconds{v}}; }

}  // namespace bgsync::store::record::io
