// Group commit: jobs from coroutines on an io_context are run by the writer thread in shared
// transactions; errors stay with their job unless storage fails; stop() drains, then refuses.
#include "daemon/store/commit_queue.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tests/store/store_test_support.hpp"

namespace bgsync::store::test {
namespace {

namespace asio = boost::asio;
using proto::errc;

// Note: jobs are bound to names before `co_await queue.run(...)`; g++ 12 destroys a lambda
// created inside a co_await expression twice.

// co_spawn completion that lets a failed REQUIRE inside a coroutine escape io_context::run().
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

CommitQueue::Job<Action> enqueue_job(std::uint64_t n, std::string tag = {}, std::string body = "x") {
  return [n, tag = std::move(tag), body = std::move(body)](WriteTxn& txn) {
    return txn.enqueue(request(tag, "test", body), make_id(n), at(t0));
  };
}

// Runs one enqueue job (id `n`) on `io` until it is acknowledged.
void enqueue_acked(asio::io_context& io, CommitQueue& queue, std::uint64_t n) {
  asio::co_spawn(io, [&queue, n]() -> asio::awaitable<void> {
    auto job = enqueue_job(n);
    auto a = co_await queue.run<Action>(std::move(job));
    REQUIRE(a);
  }, rethrow);
  io.restart();
  io.run();
}

// Runs `io` until every change acknowledged so far is visible; returns the view that sees them.
ReadView settle(asio::io_context& io, CommitQueue& queue) {
  std::optional<ReadView> view;
  asio::co_spawn(io, [&queue, &view]() -> asio::awaitable<void> {
    auto seen = co_await queue.visible();
    REQUIRE(seen);
    view = *seen;
  }, rethrow);
  io.restart();
  io.run();
  REQUIRE(view);
  return *view;
}

// Holds the writer thread inside a job so that everything submitted meanwhile forms one batch.
class Gate {
 public:
  explicit Gate(asio::io_context& io, CommitQueue& queue) {
    auto released = release_.get_future().share();
    asio::co_spawn(io, [&queue, this, released]() -> asio::awaitable<void> {
      CommitQueue::Job<void> hold = [this, released](WriteTxn&) -> Result<void> {
        entered_.set_value();
        released.wait();
        return {};
      };
      auto r = co_await queue.run(std::move(hold));
      REQUIRE(r);
    }, rethrow);
    io.poll();
    io.restart();
    entered_.get_future().wait();
  }
  void open() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
};

TEST_CASE("group commit: 200 concurrent jobs share transactions", "[store][commit_queue]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  asio::io_context io;
  const auto io_thread = std::this_thread::get_id();
  std::vector<std::uint64_t> seqs;
  std::set<ActionId> committed;
  int on_commit_calls = 0;
  CommitQueue queue(*outbox, io.get_executor(), [&](std::vector<Event> events) {
    REQUIRE(std::this_thread::get_id() == io_thread);
    ++on_commit_calls;
    for (const auto& e : events) {
      seqs.push_back(e.seq);
      committed.insert(e.id);
    }
  });
  int done = 0;
  for (std::uint64_t i = 1; i <= 200; ++i) {
    asio::co_spawn(io, [&, i]() -> asio::awaitable<void> {
      auto job = enqueue_job(i, "tag-" + std::to_string(i % 7));
      auto a = co_await queue.run<Action>(std::move(job));
      REQUIRE(std::this_thread::get_id() == io_thread);
      REQUIRE(a);
      REQUIRE(a->id == make_id(i));
      auto seen = co_await queue.visible();
      REQUIRE(seen);
      REQUIRE(check(seen->get(a->id)));
      ++done;
    }, rethrow);
  }
  io.run();
  REQUIRE(done == 200);
  REQUIRE(queue.batches() >= 1);
  REQUIRE(queue.batches() < 200);
  // One call per publish, and batches share publishes.
  REQUIRE(on_commit_calls >= 1);
  REQUIRE(static_cast<std::uint64_t>(on_commit_calls) == queue.publishes());
  REQUIRE(queue.publishes() <= queue.batches());
  // Every event was handed over (on_commit is posted before a publish counts as visible).
  REQUIRE(committed.size() == 200);
  REQUIRE(seqs.size() == 200);
  for (std::size_t i = 0; i < seqs.size(); ++i) REQUIRE(seqs[i] == i + 1);
  REQUIRE(check(outbox->published().counts())[proto::ActionState::queued] == 200);
  REQUIRE(due_ids(*outbox, 1000).size() == 7);
}

TEST_CASE("a job's own error or exception fails only that job", "[store][commit_queue]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  asio::io_context io;
  CommitQueue queue(*outbox, io.get_executor());
  Gate gate(io, queue);
  std::vector<Result<Action>> results(4, proto::make_error(errc::internal, "not run"));
  auto submit = [&](std::size_t slot, CommitQueue::Job<Action> job) {
    asio::co_spawn(io, [&, slot, job = std::move(job)]() -> asio::awaitable<void> {
      results[slot] = co_await queue.run<Action>(job);
    }, rethrow);
  };
  submit(0, enqueue_job(1));
  submit(1, [](WriteTxn& txn) { return txn.mark_sending(make_id(99), at(t0)); });
  submit(2, [](WriteTxn&) -> Result<Action> { throw std::runtime_error("boom"); });
  submit(3, enqueue_job(2));
  io.poll();
  io.restart();
  gate.open();
  io.run();
  REQUIRE(queue.batches() == 2);  // the gate's, then the four together
  REQUIRE(results[0]);
  REQUIRE(results[1].error().code == errc::not_found);
  REQUIRE(results[2].error().code == errc::internal);
  REQUIRE(results[2].error().message.find("boom") != std::string::npos);
  REQUIRE(results[3]);
  auto view = settle(io, queue);
  REQUIRE(check(view.get(make_id(1))));
  REQUIRE(check(view.get(make_id(2))));
}

TEST_CASE("a storage error fails the whole batch and nothing of it is stored", "[store][commit_queue]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path(), std::size_t{1} << 20);
  asio::io_context io;
  std::vector<Event> seen;
  CommitQueue queue(*outbox, io.get_executor(), [&](std::vector<Event> events) {
    seen.insert(seen.end(), events.begin(), events.end());
  });
  Gate gate(io, queue);
  std::vector<Result<Action>> results(3, proto::make_error(errc::internal, "not run"));
  bool third_ran = false;
  std::vector<CommitQueue::Job<Action>> jobs{
      enqueue_job(1), enqueue_job(2, "", std::string(std::size_t{2} << 20, 'x')),
      [&third_ran](WriteTxn& txn) {
        third_ran = true;
        return txn.enqueue(request(), make_id(3), at(t0));
      }};
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    asio::co_spawn(io, [&, i]() -> asio::awaitable<void> { results[i] = co_await queue.run<Action>(jobs[i]); },
                   rethrow);
  }
  io.poll();
  io.restart();
  gate.open();
  io.run();
  for (const auto& r : results) REQUIRE(r.error().code == errc::storage_full);
  REQUIRE_FALSE(third_ran);  // the writer stopped at the poisoning job
  REQUIRE(seen.empty());
  REQUIRE(queue.batches() == 1);  // only the gate's
  REQUIRE_FALSE(check(outbox->published().get(make_id(1))));
  REQUIRE(check(outbox->published().last_seq()) == 0);

  // The next batch starts afresh.
  enqueue_acked(io, queue, 4);
  REQUIRE(check(settle(io, queue).get(make_id(4))));
  REQUIRE(seen.size() == 1);
}

TEST_CASE("stop() finishes queued jobs, then refuses new ones", "[store][commit_queue]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  asio::io_context io;
  CommitQueue queue(*outbox, io.get_executor());
  int ok = 0;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    asio::co_spawn(io, [&, i]() -> asio::awaitable<void> {
      auto job = enqueue_job(i);
      auto a = co_await queue.run<Action>(std::move(job));
      REQUIRE(a);
      ++ok;
    }, rethrow);
  }
  io.poll();  // all five are queued now
  io.restart();
  queue.stop();
  REQUIRE(check(outbox->published().counts())[proto::ActionState::queued] == 5);  // durable before stop() returned
  io.run();
  REQUIRE(ok == 5);

  bool ran = false;
  std::optional<Result<void>> refused;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    CommitQueue::Job<void> job = [&ran](WriteTxn&) -> Result<void> {
      ran = true;
      return {};
    };
    refused = co_await queue.run(std::move(job));
  }, rethrow);
  io.restart();
  io.run();
  REQUIRE(refused);
  REQUIRE(refused->error().code == errc::shutting_down);
  REQUIRE_FALSE(ran);
  queue.stop();  // twice is fine; the destructor makes three
}

TEST_CASE("readers see a change once visible() resumes, and without asking soon after", "[store][commit_queue]") {
  TempDir dir;
  auto outbox = open_outbox(dir.path());
  asio::io_context io;
  std::vector<Event> heard;
  CommitQueue queue(*outbox, io.get_executor(), [&](std::vector<Event> events) {
    heard.insert(heard.end(), events.begin(), events.end());
  });
  bool visible_at_once = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    // Nothing acknowledged yet: visible() does not wait for the writer.
    auto idle = co_await queue.visible();
    REQUIRE(idle);
    visible_at_once = true;
    auto job = enqueue_job(1);
    auto a = co_await queue.run<Action>(std::move(job));
    REQUIRE(a);
    auto seen = co_await queue.visible();
    REQUIRE(seen);
    REQUIRE(check(seen->get(make_id(1))));
  }, rethrow);
  io.run();
  REQUIRE(visible_at_once);
  REQUIRE(heard.size() == 1);  // the event, handed over with its publish
  REQUIRE(queue.publishes() == 1);

  // Unasked, the writer publishes once idle: wait on the condition, not on a guess of how long.
  enqueue_acked(io, queue, 2);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (queue.publishes() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(queue.publishes() == 2);
  REQUIRE(check(outbox->published().get(make_id(2))));
}

}  // namespace
}  // namespace bgsync::store::test
