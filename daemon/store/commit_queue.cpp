// Group commit. Callers on the io thread hand jobs to one writer thread through a mutex-guarded
// queue. The writer takes everything queued (up to max_batch), runs it as ONE batch of the
// BatchWriter, which journals it and flushes the journal; then it posts each job's completion,
// in submission order. While it flushes, new jobs pile up and form the next batch, so the flush
// rate adapts to load instead of bounding throughput.
//
// Publishing (the LMDB commit that lets readers see batches) happens when a reader waits in
// visible(), when the queue has been idle a while, or when unpublished work is old or large
// enough: the rule and its values are PublishPolicy's (publish_policy.hpp). Events are handed to
// on_commit at publish, so whoever hears of an event can read it.
//
// Failure isolation: a job's own error (or exception, reported as `internal`) touches only that
// job, because WriteTxn operations write nothing when they fail for a reason of their own. An
// LMDB error poisons the batch: the writer stops running it, the BatchWriter undoes it, and every
// job of the batch - run or not - fails with that storage error, since none of it is stored.
#include "daemon/store/commit_queue.hpp"

#include <algorithm>
#include <chrono>
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

#include "daemon/store/batch_writer.hpp"
#include "daemon/store/publish_policy.hpp"

namespace bgsync::store {

namespace asio = boost::asio;

namespace {

// Bounds one batch's size and so the latency of the jobs queued behind it.
constexpr std::size_t max_batch = 4096;

using Clock = std::chrono::steady_clock;

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

  // Hands a job (or, in `barriers`, a reader waiting for the next publish) to the writer; after
  // stop(), completes it at once with `when_stopping`.
  template <class Handler>
  void submit(std::deque<Pending>& queue, ErasedJob job, Handler handler, Result<void> when_stopping) {
    Pending p{std::move(job), asio::prefer(completions, asio::execution::outstanding_work.tracked),
              std::make_unique<HandlerCompletion<Handler>>(std::move(handler))};
    {
      std::lock_guard lock(mutex);
      if (!stopping) {
        queue.push_back(std::move(p));
        wake.notify_one();
        return;
      }
    }
    finish(p, std::move(when_stopping));
  }

  static void finish(Pending& p, Result<void> result) {
    asio::post(p.work, [done = std::move(p.done), result = std::move(result)]() mutable {
      done->complete(std::move(result));
    });
  }

  // A batch's completions, run in submission order by one handler: one hand-off to the io thread
  // per batch rather than one per job.
  struct Completions {
    std::vector<std::unique_ptr<Completion>> done;
    std::vector<Result<void>> results;
    std::vector<asio::any_io_executor> work;  // each job's tracked work, released once it is complete
    std::size_t next = 0;

    void run() {
      while (next < done.size()) {
        const std::size_t i = next++;
        try {
          done[i]->complete(std::move(results[i]));
        } catch (...) {
          // Whoever threw out of a completion is reported by io_context::run(); the jobs after
          // it still complete, in a handler of their own.
          if (next < done.size()) {
            auto executor = work[next];  // taken before *this is moved from
            asio::post(executor, [rest = std::move(*this)]() mutable { rest.run(); });
          }
          throw;
        }
      }
    }
  };

  static void finish_batch(std::vector<Pending>& batch, std::vector<Result<void>> results) {
    if (batch.empty()) return;
    Completions c;
    c.done.reserve(batch.size());
    c.work.reserve(batch.size());
    for (auto& p : batch) {
      c.done.push_back(std::move(p.done));
      c.work.push_back(std::move(p.work));
    }
    c.results = std::move(results);
    auto executor = c.work.front();
    asio::post(executor, [c = std::move(c)]() mutable { c.run(); });
  }

  // What the writer thread keeps between batches.
  struct WriterState {
    std::vector<Event> held_events;  // of the unpublished batches
    PublishState publish;            // its times; the rest is filled in before each decision
    std::optional<proto::Error> last_publish_error;
  };

  // What one turn of the writer took from the queues.
  struct Taken {
    std::vector<Pending> batch;
    std::deque<Pending> waiting;  // visible() callers
    bool idle = false;            // nothing left queued
    bool stop_now = false;
  };

  // Waits for work, or until `wake_at` (then maybe with none), and takes it.
  Taken take(std::optional<Clock::time_point> wake_at) {
    Taken t;
    std::unique_lock lock(mutex);
    auto has_work = [&] { return stopping || !pending.empty() || !barriers.empty(); };
    if (wake_at) {
      wake.wait_until(lock, *wake_at, has_work);
    } else {
      wake.wait(lock, has_work);
    }
    const std::size_t n = std::min(pending.size(), max_batch);
    t.batch.reserve(n);
    std::move(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(t.batch));
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
    t.waiting.swap(barriers);
    t.idle = pending.empty();
    t.stop_now = stopping && pending.empty();
    return t;
  }

  static PublishState publish_state(const BatchWriter& writer, const WriterState& s) {
    PublishState state = s.publish;
    state.unpublished = writer.unpublished();
    state.unpublished_bytes = writer.unpublished_bytes();
    return state;
  }

  // Publishes, and on success hands the held events to on_commit.
  Result<void> publish(BatchWriter& writer, WriterState& s, Clock::time_point now) {
    Result<void> visible = writer.publish();
    if (!visible) {
      s.publish.retry_not_before = now + PublishPolicy::retry;
      s.last_publish_error = visible.error();
      return visible;
    }
    publishes.fetch_add(1, std::memory_order_relaxed);
    published.store(batches.load(std::memory_order_relaxed), std::memory_order_release);
    if (on_commit && !s.held_events.empty()) {
      asio::post(completions, [f = on_commit, events = std::move(s.held_events)]() mutable { f(std::move(events)); });
    }
    s.held_events.clear();
    return visible;
  }

  void run_writer() {
    BatchWriter writer(outbox);
    WriterState s;
    for (;;) {
      Taken t = take(PublishPolicy::wake_at(publish_state(writer, s)));
      if (!t.batch.empty()) {
        const bool had_unpublished = writer.unpublished() > 0;
        if (run_batch(writer, t.batch, s.held_events) && !had_unpublished && writer.unpublished() > 0) {
          s.publish.first_unpublished = Clock::now();
        }
        s.publish.last_batch = Clock::now();
      }
      const auto now = Clock::now();
      PublishState state = publish_state(writer, s);
      state.idle = t.idle;
      state.readers_waiting = !t.waiting.empty();
      state.stopping = t.stop_now;
      const bool publish_due = PublishPolicy::publish_now(state, now);
      Result<void> visible;
      if (publish_due) {
        visible = publish(writer, s, now);
      } else if (writer.unpublished() == 0) {
        // Nothing is pending: whatever was acknowledged is visible (a batch may have written nothing).
        published.store(batches.load(std::memory_order_relaxed), std::memory_order_release);
      }
      // Not answered only while a failed publish waits to be retried: say so rather than spin.
      const bool answered = publish_due || writer.unpublished() == 0;
      for (auto& w : t.waiting) finish(w, answered ? visible : Result<void>(*s.last_publish_error));
      if (t.stop_now) {
        // Makes the last publish durable. Should it fail, the journal, not restarted, still holds it all.
        (void)outbox.sync();
        return;
      }
    }
  }

  // Runs one batch and completes its jobs. Returns whether it was journaled.
  bool run_batch(BatchWriter& writer, std::vector<Pending>& batch, std::vector<Event>& events) {
    std::vector<Result<void>> results;
    results.reserve(batch.size());
    std::optional<proto::Error> failure;
    try {
      auto txn = writer.begin();
      if (!txn) {
        failure = txn.error();
      } else {
        for (auto& p : batch) {
          results.push_back(run_one(p.job, **txn));
          if ((*txn)->poisoned()) break;
        }
        // Taken before end(), which destroys the WriteTxn.
        std::vector<Event> batch_events = (*txn)->take_events();
        if (auto ended_ok = writer.end(); !ended_ok) {
          failure = ended_ok.error();
        } else {
          std::move(batch_events.begin(), batch_events.end(), std::back_inserter(events));
        }
      }
    } catch (const std::system_error& e) {
      failure = proto::make_error(proto::errc::storage_error, e.what());
    } catch (const std::exception& e) {
      failure = proto::make_error(proto::errc::internal, std::string("the outbox writer failed: ") + e.what());
    }
    // Counted before the completions: a caller that saw its result and then asks visible() must wait.
    if (!failure) batches.fetch_add(1, std::memory_order_release);
    if (failure) {
      results.assign(batch.size(), Result<void>(*failure));
    } else if (results.size() < batch.size()) {
      // A batch stops early only when poisoned, and then end() fails: never reached, but no job
      // may be told it ran when it did not.
      results.resize(batch.size(), Result<void>(proto::make_error(proto::errc::internal, "the job did not run")));
    }
    finish_batch(batch, std::move(results));
    return !failure;
  }

  Outbox& outbox;
  asio::any_io_executor completions;
  std::function<void(std::vector<Event>)> on_commit;

  std::mutex mutex;  // guards pending, barriers and stopping
  std::condition_variable wake;
  std::deque<Pending> pending;
  std::deque<Pending> barriers;  // visible() callers, completed after the next publish
  bool stopping = false;

  std::mutex join_mutex;  // so that two concurrent stop()s do not both join
  std::thread writer;
  // Batches acknowledged (journaled), and how many of them readers see: visible() returns at
  // once when published has caught up with batches.
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> publishes{0};
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
std::uint64_t CommitQueue::publishes() const noexcept { return impl_->publishes.load(std::memory_order_relaxed); }

boost::asio::awaitable<Result<ReadView>> CommitQueue::visible() {
  if (impl_->published.load(std::memory_order_acquire) < impl_->batches.load(std::memory_order_acquire)) {
    auto seen = co_await await_visible();
    if (!seen) co_return seen.error();
  }
  co_return ReadView(impl_->outbox);
}

boost::asio::awaitable<Result<void>> CommitQueue::await_visible() {
  // Made in its own statement (g++ 12, see run_erased).
  auto op = asio::async_initiate<decltype(asio::use_awaitable), void(Result<void>)>(
      [impl = impl_](auto handler) {
        // Stopping: the writer publishes everything before it exits, so there is nothing to wait for.
        impl->submit(impl->barriers, ErasedJob{}, std::move(handler), Result<void>{});
      },
      asio::use_awaitable);
  co_return co_await std::move(op);
}

boost::asio::awaitable<Result<void>> CommitQueue::run(Job<void> job) { return run_erased(std::move(job)); }

boost::asio::awaitable<Result<void>> CommitQueue::run_erased(std::function<Result<void>(WriteTxn&)> job) {
  // The initiation runs once this coroutine is suspended; the completion resumes it from a
  // handler posted to the completions executor.
  // Made in its own statement: g++ 12 destroys a lambda created within a co_await expression
  // twice (here the initiation lambda, and with it a reference count of impl_).
  auto op = asio::async_initiate<decltype(asio::use_awaitable), void(Result<void>)>(
      [impl = impl_](auto handler, ErasedJob j) {
        impl->submit(impl->pending, std::move(j), std::move(handler),
                     proto::make_error(proto::errc::shutting_down, "bgsyncd is shutting down and takes no new work"));
      },
      asio::use_awaitable, std::move(job));
  co_return co_await std::move(op);
}

}  // namespace bgsync::store
