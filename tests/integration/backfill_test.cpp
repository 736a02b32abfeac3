// Backfill with the real runner: a run trained outside the store (from a terminal, no
// --store) is continued from the workbench. Its stream starts past what the store holds, so
// the controller asks the runner, through the job's request direction, to resend everything
// after seq 0; the store ends with every record of the log once. Requests also stop a run.
#include "core/jobs/job_factory.h"
#include "core/jobs/run_controller.h"
#include "core/paths.h"
#include "core/store/store.h"
#include "core/wire/event_log.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace r1wb;
namespace fs = std::filesystem;

namespace {

void pump_until_finished(RunController& c) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!c.finished() && std::chrono::steady_clock::now() < deadline) {
    c.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST(Backfill, ARunContinuedFromTheWorkbenchGetsItsEarlierRecordsThroughARequest) {
  r1wb::testing::TempDir t;
  const fs::path run_dir = t.path / "runs" / "tiny-moe-1";
  fs::create_directories(run_dir);
  auto doc = r1wb::testing::tiny_moe_doc(20, 5, 5);
  doc["train"]["warmup_steps"] = 2;
  std::ofstream(run_dir / "config.json") << doc.dump(2) << "\n";
  std::string err;
  ASSERT_EQ(r1wb::testing::run_runner({"train", (run_dir / "config.json").string(), "--run-dir", run_dir.string(),
                                       "--steps", "10", "--no-stream"},
                                      t.path, &err),
            0)
      << err;
  const uint64_t first_part = read_event_log((run_dir / "events.log").string()).records.back().seq;

  Store store((t.path / "w.db").string());
  const int64_t id = store.create_run("tiny-moe-1", "tiny-moe", doc.dump(), run_dir.string(), "here");
  RunController controller(store, local_job_factory());
  controller.resume(id, R1WB_RUNNER);
  pump_until_finished(controller);
  ASSERT_TRUE(controller.finished());
  EXPECT_TRUE(controller.stream_error().empty()) << controller.stream_error();

  const auto log = read_event_log((run_dir / "events.log").string());
  ASSERT_TRUE(log.clean()) << log.error;
  const auto row = store.run(id);
  EXPECT_EQ(row->status, RunStatus::Completed) << row->message;
  EXPECT_GT(log.records.back().seq, first_part);
  EXPECT_EQ(row->last_seq, log.records.back().seq) << "every record of the log, none missing";
  int64_t metric_values = 0;
  for (const auto& r : log.records)
    if (auto* m = std::get_if<wire::Metrics>(&r.payload)) metric_values += int64_t(m->values.size());
  EXPECT_EQ(store.count_rows("metrics", id), metric_values) << "every metric once, no duplicate";
  EXPECT_EQ(store.count_rows("logs", id), [&] {
    int64_t n = 0;
    for (const auto& r : log.records) n += std::holds_alternative<wire::Log>(r.payload);
    return n;
  }()) << "log lines are keyed by seq: a duplicate would show";
}

TEST(Backfill, AStopRequestEndsTheRunnerWithACheckpoint) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  auto doc = r1wb::testing::tiny_moe_doc(2000, 0, 5);
  const int64_t id = RunController::prepare(store, {R1WB_RUNNER, (t.path / "runs").string(), "tiny-moe", doc.dump()});
  RunController controller(store, local_job_factory());
  controller.resume(id, R1WB_RUNNER);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (store.run(id)->last_step < 3 && std::chrono::steady_clock::now() < deadline) {
    controller.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  controller.stop();  // a Stop request on the runner's stdin, not a signal
  pump_until_finished(controller);
  const auto row = store.run(id);
  EXPECT_EQ(row->status, RunStatus::Stopped) << row->message;
  EXPECT_TRUE(fs::exists(fs::path(row->run_dir) / "checkpoints" / ("step-" + std::to_string(row->last_step))));
  const std::string runner_log = tail_lines((fs::path(row->run_dir) / "runner.log").string(), 20);
  EXPECT_NE(runner_log.find("stop requested"), std::string::npos) << runner_log;
}
