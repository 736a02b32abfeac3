// The run queue with the real runner: runs wait for a slot, never more than the limit run
// at once, all of them complete, a queued run can be cancelled, and a queue left by one
// session is adopted by the next.
#include "core/jobs/run_queue.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace r1wb;
using r1wb::testing::TempDir;

namespace {

// Pumps the queue until `done` holds or the deadline passes, as the window's timer would.
template <typename Done>
void pump_until(RunQueue& queue, Done done, std::chrono::steady_clock::time_point deadline) {
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    queue.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string short_config(int steps) {
  auto doc = r1wb::testing::tiny_moe_doc(steps, 0, 5);
  doc["train"]["warmup_steps"] = 2;
  return doc.dump();
}

}  // namespace

TEST(RunQueue, RunsWaitForASlotAndAllComplete) {
  TempDir t;
  Store store((t.path / "w.db").string());
  RunQueue queue(store, R1WB_RUNNER, (t.path / "runs").string(), 2);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(queue.enqueue("tiny-moe", short_config(15), {"queue-test"}));
  for (int64_t id : ids) {
    EXPECT_EQ(store.run(id)->status, RunStatus::Queued);
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(store.run(id)->run_dir) / "config.json"));
  }
  EXPECT_EQ(store.run(ids[0])->tags, std::vector<std::string>{"queue-test"});

  size_t most_active = 0;
  std::vector<int64_t> ended;
  bool saw_eta = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  auto ev = queue.fill_slots();
  while (true) {
    most_active = std::max(most_active, queue.active_runs().size());
    ended.insert(ended.end(), ev.ended.begin(), ev.ended.end());
    if (!queue.busy() || std::chrono::steady_clock::now() > deadline) break;
    for (int64_t id : queue.active_runs())
      if (queue.progress(id)->eta_seconds()) saw_eta = true;
    if (queue.active_runs().size() == 2)
      EXPECT_EQ(store.run(ids[2])->status, RunStatus::Queued) << "third run waits for a slot";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ev = queue.pump();
  }
  ASSERT_FALSE(queue.busy()) << "queue did not drain in time";
  EXPECT_EQ(most_active, 2u);
  EXPECT_EQ(ended.size(), 3u);
  EXPECT_TRUE(saw_eta) << "an active run reports an ETA once two steps were seen";
  for (int64_t id : ids) {
    const auto r = store.run(id);
    EXPECT_EQ(r->status, RunStatus::Completed) << r->name << ": " << r->message;
    EXPECT_EQ(r->last_step, 15);
  }
}

TEST(RunQueue, QueuedRunCanBeCancelledAndALeftQueueIsAdopted) {
  TempDir t;
  Store store((t.path / "w.db").string());
  int64_t a = 0, b = 0;
  {
    RunQueue queue(store, R1WB_RUNNER, (t.path / "runs").string(), 1);
    a = queue.enqueue("tiny-moe", short_config(5));
    b = queue.enqueue("tiny-moe", short_config(5));
    const int64_t c = queue.enqueue("tiny-moe", short_config(5));
    EXPECT_TRUE(queue.stop(c));
    EXPECT_EQ(store.run(c)->status, RunStatus::Stopped);
    EXPECT_FALSE(queue.is_queued(c));
    // The session ends before anything started.
  }
  RunQueue next(store, R1WB_RUNNER, (t.path / "runs").string(), 1);
  ASSERT_EQ(next.queued_runs().size(), 2u);
  EXPECT_EQ(next.queued_runs().front(), a) << "oldest first";
  EXPECT_EQ(next.queued_runs().back(), b);
}

TEST(RunQueue, StoppedRunResumesThroughTheQueueAsTheSameRun) {
  TempDir t;
  Store store((t.path / "w.db").string());
  RunQueue queue(store, R1WB_RUNNER, (t.path / "runs").string(), 1);
  auto doc = r1wb::testing::tiny_moe_doc(400, 20, 5);
  const int64_t id = queue.enqueue("tiny-moe", doc.dump());
  queue.fill_slots();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  pump_until(
      queue, [&] { return store.run(id)->last_step >= 25; }, deadline);
  ASSERT_TRUE(queue.stop(id));
  pump_until(
      queue, [&] { return !queue.busy(); }, deadline);
  const auto stopped = store.run(id);
  ASSERT_EQ(stopped->status, RunStatus::Stopped) << stopped->message;
  ASSERT_LT(stopped->last_step, 400);

  queue.enqueue_resume(id);
  EXPECT_EQ(store.run(id)->status, RunStatus::Queued);
  EXPECT_TRUE(queue.is_queued(id));
  queue.fill_slots();
  pump_until(
      queue, [&] { return !queue.busy(); }, deadline);
  const auto done = store.run(id);
  EXPECT_EQ(done->status, RunStatus::Completed) << done->message;
  EXPECT_EQ(done->last_step, 400);
  EXPECT_EQ(store.list_runs().size(), 1u) << "the same run continued";
}
