// Group commit: every write to the outbox is a job run by one writer thread. Jobs that arrive
// while a batch is being made durable are run together in the next batch, so durability costs
// one journal flush per batch, not per action; batches reach LMDB's readers a little later, many
// per LMDB commit (batch_writer.hpp). Completions are posted back to the daemon's io_context.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "daemon/store/outbox.hpp"
#include "daemon/store/read_view.hpp"

namespace bgsync::store {

class CommitQueue {
 public:
  // A job runs inside the batch's WriteTxn on the writer thread. It must not block, and must not
  // touch io-thread state: it returns a value, which is handed back once the batch is durable.
  // A job's own error leaves the rest of the batch unaffected; a storage error (txn poisoned, or
  // commit failed) fails every job of the batch with that error.
  template <class T>
  using Job = std::function<Result<T>(WriteTxn&)>;

  // completions: the executor of the io_context that awaits jobs. on_commit (optional) is
  // posted there each time batches become visible to readers, with their events: durable, and
  // readable through any ReadView, so a subscriber may read what an event names.
  CommitQueue(Outbox& outbox, boost::asio::any_io_executor completions,
              std::function<void(std::vector<Event>)> on_commit = {});
  ~CommitQueue();  // stop()s
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Runs `job` in the next batch; resumes the caller (on the completions executor) once the
  // batch is durable, or failed. After stop(): shutting_down, without running it. Readers may
  // not see the change yet: read through the view visible() gives.
  boost::asio::awaitable<Result<void>> run(Job<void> job);
  template <class T>
  boost::asio::awaitable<Result<T>> run(Job<T> job);

  // The read barrier: resumes once every job completed before the call is visible (at once when
  // it already is), with a view that reads it. Every read that must see acknowledged writes (a
  // client's, the scheduler's look at the due index) reads through it; Outbox::published() is
  // the door for reads that may be behind. Errors: the commit's storage error.
  boost::asio::awaitable<Result<ReadView>> visible();

  // Finishes the batch in progress (and any already queued), then refuses new jobs. Joins the
  // writer thread. Safe to call twice.
  void stop();

  // Batches made durable so far, and LMDB commits that made them visible (for logs and benchmarks).
  std::uint64_t batches() const noexcept;
  std::uint64_t publishes() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  boost::asio::awaitable<Result<void>> run_erased(std::function<Result<void>(WriteTxn&)> job);
  boost::asio::awaitable<Result<void>> await_visible();
};

template <class T>
boost::asio::awaitable<Result<T>> CommitQueue::run(Job<T> job) {
  auto out = std::make_shared<std::optional<Result<T>>>();
  // The operation is made in its own statement, not inside the co_await: g++ 12 destroys a lambda
  // created within a co_await expression twice (captures and all). Callers beware likewise.
  auto op = run_erased([job = std::move(job), out](WriteTxn& txn) -> Result<void> {
    *out = job(txn);
    if ((*out)->has_error()) return (*out)->error();
    return {};
  });
  auto done = co_await std::move(op);
  // done carries the commit's error if the batch failed, else the job's own result.
  if (done.has_error()) co_return done.error();
  co_return std::move(**out);
}

}  // namespace bgsync::store
