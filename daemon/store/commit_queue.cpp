// Group commit. Callers on the io thread hand jobs to one writer thread through a mutex-guarded
// queue. The writer takes everything queued (up to max_batch), runs it in ONE WriteTxn, commits,
// and once that is durable posts back to the completions executor: on_commit with the batch's
// events first, then each job's completion, in submission order. While it commits, new jobs pile
// up and form the next batch, so the fsync rate adapts to load instead of bounding throughput.
//
// Durable means flushed twice: a commit flushes its data pages, and its meta page (MDB_NOMETASYNC)
// with the next flush. So a committed batch is held until the next batch's commit, or, when no
// next batch is waiting, an explicit sync: under load one flush per batch, alone two, as before.
//
// Failure isolation: a job's own error (or exception, reported as `internal`) touches only that
// job, because WriteTxn operations write nothing when they fail for a reason of their own. An
// LMDB error poisons the transaction: the writer stops running the batch, aborts, and fails
// every job of the batch - run or not - with that storage error, since none of it is durable.
#include "daemon/store/commit_queue.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bgsync::store {

namespace asio = boost::asio;

namespace {

// Bounds one transaction's size and so the latency of the jobs queued behind it.
constexpr std::size_t max_batch = 4096;

using ErasedJob = std::function<Result<void>(WriteTxn&)>;

// A move-only, type-erased completion handler (std::function needs copyable targets).
struct Completion {
  virtual ~Completion() = default;
  virtual void complete(Result<void> result) = 0;
};

template <class Handler>
struct HandlerCompletion final : Completion {
  explicit HandlerCompletion(Handler h) : handler(std::move(h)) {}
  void complete(Result<void> result) override { std::move(handler)(std::move(result)); }
  Handler handler;
};

struct Pending {
  ErasedJob job;
  asio::any_io_executor work;  // the completions executor, tracked: keeps run() alive meanwhile
  std::unique_ptr<Completion> done;
};

Result<void> run_one(const ErasedJob& job, WriteTxn& txn) {
  try {
    return job(txn);
  } catch (const std::exception& e) {
    return proto::make_error(proto::errc::internal, std::string("a store job threw: ") + e.what());
  } catch (...) {
    return proto::make_error(proto::errc::internal, "a store job threw a non-standard exception");
  }
}

}  // namespace

struct CommitQueue::Impl {
  Impl(Outbox& o, asio::any_io_executor c, std::function<void(std::vector<Event>)> oc)
      : outbox(o), completions(std::move(c)), on_commit(std::move(oc)) {}

  template <class Handler>
  void submit(ErasedJob job, Handler handler) {
    Pending p{std::move(job), asio::prefer(completions, asio::execution::outstanding_work.tracked),
              std::make_unique<HandlerCompletion<Handler>>(std::move(handler))};
    {
      std::lock_guard lock(mutex);
      if (!stopping) {
        pending.push_back(std::move(p));
        wake.notify_one();
        return;
      }
    }
    finish(p, proto::make_error(proto::errc::shutting_down, "bgsyncd is shutting down and takes no new work"));
  }

  static void finish(Pending& p, Result<void> result) {
    asio::post(p.work, [done = std::move(p.done), result = std::move(result)]() mutable {
      done->complete(std::move(result));
    });
  }

  void run_writer() {
    Committed held;  // committed, not yet durable
    for (;;) {
      std::vector<Pending> batch;
      {
        std::unique_lock lock(mutex);
        if (pending.empty() && !held.batch.empty()) {
          // Nothing to ride on: flush now rather than keep the held batch waiting.
          lock.unlock();
          release(held, outbox.sync());
          continue;
        }
        wake.wait(lock, [&] { return stopping || !pending.empty(); });
        if (pending.empty()) return;  // stopping, and everything queued before stop() is done
        const std::size_t n = std::min(pending.size(), max_batch);
        batch.reserve(n);
        std::move(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
      }
      Committed committed = run_batch(std::move(batch));
      if (!held.batch.empty()) {
        // This commit's flush carried the held batch's meta page, unless it failed before flushing.
        release(held, committed.failure ? outbox.sync() : Result<void>{});
      }
      if (committed.failure) {
        release(committed, *committed.failure);
      } else {
        held = std::move(committed);
      }
    }
  }

  struct Committed {
    std::vector<Pending> batch;
    std::vector<Result<void>> results;
    std::vector<Event> events;
    std::optional<proto::Error> failure;
  };

  Committed run_batch(std::vector<Pending> batch) {
    Committed out;
    out.results.reserve(batch.size());
    try {
      WriteTxn txn(outbox);
      for (auto& p : batch) {
        out.results.push_back(run_one(p.job, txn));
        if (txn.poisoned()) break;
      }
      // On a poisoned transaction commit() aborts and returns the error that poisoned it.
      if (auto committed = txn.commit(); !committed) {
        out.failure = committed.error();
      } else {
        out.events = txn.events();
      }
    } catch (const std::system_error& e) {
      out.failure = proto::make_error(proto::errc::storage_error, e.what());
    } catch (const std::exception& e) {
      out.failure = proto::make_error(proto::errc::internal, std::string("the outbox writer failed: ") + e.what());
    }
    out.batch = std::move(batch);
    return out;
  }

  // Hands a batch's outcome to its jobs: `durable` says whether its commit is on disk; an error
  // there fails every job of the batch, since none of it can be promised.
  void release(Committed& c, Result<void> durable) {
    if (!durable && !c.failure) c.failure = durable.error();
    if (!c.failure) {
      batches.fetch_add(1, std::memory_order_relaxed);
      if (on_commit) {
        asio::post(completions, [f = on_commit, events = std::move(c.events)]() mutable { f(std::move(events)); });
      }
    }
    for (std::size_t i = 0; i < c.batch.size(); ++i) {
      finish(c.batch[i], c.failure ? Result<void>(*c.failure) : std::move(c.results[i]));
    }
    c = Committed{};
  }

  Outbox& outbox;
  asio::any_io_executor completions;
  std::function<void(std::vector<Event>)> on_commit;

  std::mutex mutex;  // guards pending and stopping
  std::condition_variable wake;
  std::deque<Pending> pending;
  bool stopping = false;

  std::mutex join_mutex;  // so that two concurrent stop()s do not both join
  std::thread writer;
  std::atomic<std::uint64_t> batches{0};
};

CommitQueue::CommitQueue(Outbox& outbox, asio::any_io_executor completions,
                         std::function<void(std::vector<Event>)> on_commit)
    : impl_(std::make_shared<Impl>(outbox, std::move(completions), std::move(on_commit))) {
  impl_->writer = std::thread([impl = impl_.get()] { impl->run_writer(); });
}

CommitQueue::~CommitQueue() { stop(); }

void CommitQueue::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  std::lock_guard lock(impl_->join_mutex);
  // A job calling stop() would otherwise join its own thread.
  if (impl_->writer.joinable() && impl_->writer.get_id() != std::this_thread::get_id()) impl_->writer.join();
}

std::uint64_t CommitQueue::batches() const noexcept { return impl_->batches.load(std::memory_order_relaxed); }

boost::asio::awaitable<Result<void>> CommitQueue::run(Job<void> job) { return run_erased(std::move(job)); }

boost::asio::awaitable<Result<void>> CommitQueue::run_erased(std::function<Result<void>(WriteTxn&)> job) {
  // The initiation runs once this coroutine is suspended; the completion resumes it from a
  // handler posted to the completions executor.
  // Made in its own statement: g++ 12 destroys a lambda created within a co_await expression
  // twice (here the initiation lambda, and with it a reference count of impl_).
  auto op = asio::async_initiate<decltype(asio::use_awaitable), void(Result<void>)>(
      [impl = impl_](auto handler, ErasedJob j) { impl->submit(std::move(j), std::move(handler)); },
      asio::use_awaitable, std::move(job));
  co_return co_await std::move(op);
}

}  // namespace bgsync::store
