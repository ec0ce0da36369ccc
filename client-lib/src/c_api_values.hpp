// The C API's plain structs, made from libbgsync's C++ values: each struct is allocated in a Box
// with a Storage that owns every string and array its pointers point into, and the *_free
// functions of bgsync.h delete the two together.
#pragma once

#include "bgsync/bgsync.h"
#include "bgsync/errors.hpp"
#include "bgsync/wait.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bgsync::capi {

// What the pointers of one returned struct point into. std::deque, so that keeping one more string
// never moves those already kept.
struct Storage {
  std::deque<std::string> strings;
  std::deque<std::vector<bgsync_header>> header_arrays;
  std::vector<bgsync_action> actions;  // a list's elements; sized once, before they are filled
  std::vector<bgsync_periodic> registrations;  // likewise
  std::vector<bgsync_wait_result> wait_results;  // likewise

  const char* keep(std::string text);
  const char* keep_or_null(std::string text);  // NULL for an empty string ("none" in bgsync.h)
  const bgsync_header* keep(const Headers& headers);
};

// A C struct and the Storage behind it. Standard-layout with the C struct first, so the pointer the
// caller gets (&value) is also a pointer to the Box: that is how *_free finds the Storage again.
template <class T>
struct Box {
  T value{};
  Storage* storage = nullptr;
};

template <class T>
void free_box(T* value) noexcept {
  if (value == nullptr) return;
  auto* box = reinterpret_cast<Box<T>*>(value);
  delete box->storage;
  delete box;
}

template <class T>
struct BoxDeleter {
  void operator()(Box<T>* box) const noexcept { free_box(&box->value); }
};
template <class T>
using BoxPtr = std::unique_ptr<Box<T>, BoxDeleter<T>>;

// Hands the struct to the caller, who frees it with the matching bgsync_*_free.
template <class T>
T* release(BoxPtr<T> box) noexcept {
  return &box.release()->value;
}

BoxPtr<bgsync_action> make_action(const Action& action);
BoxPtr<bgsync_action_list> make_action_list(const std::vector<Action>& actions, const std::optional<ActionId>& next);
BoxPtr<bgsync_status> make_status(const Status& status);
BoxPtr<bgsync_event> make_event(const Event& event);
BoxPtr<bgsync_periodic> make_periodic(const PeriodicRegistration& registration);
BoxPtr<bgsync_periodic_list> make_periodic_list(const std::vector<PeriodicRegistration>& registrations);
BoxPtr<bgsync_cached_response> make_cached_response(const CachedResponse& response);
BoxPtr<bgsync_wait_list> make_wait_list(const std::vector<WaitResult>& results);

}  // namespace bgsync::capi
