// The real runner under damage and impossible configs (issue 10), exit codes included:
//  - a run resumed over an events.log damaged in the middle keeps every record after the
//    damage, names the damage, and exits 4; ingest of such a log takes every intact record,
//    says what was lost and exits 4;
//  - a run trained again in an emptied directory is a new run in the store, not "0 new";
//  - a config whose training cannot fit in memory fails at once with the estimate (no OOM
//    kill); train.threads beyond the cores is capped with a warning;
//  - updates that turn the weights non-finite fail the run (exit 1) instead of writing NaN
//    checkpoints.
#include "core/store/store.h"
#include "core/wire/event_log.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

using namespace r1wb;
namespace fs = std::filesystem;
using r1wb::testing::run_runner;

namespace {

fs::path write_small_batch_config(const fs::path& dir, int steps, const std::function<void(nlohmann::json&)>& edit = {}) {
  auto doc = r1wb::testing::tiny_moe_doc(steps, 10, 1);
  doc["train"]["warmup_steps"] = 2;
  doc["train"]["batch_size"] = 4;
  if (edit) edit(doc);
  const auto file = dir / "cfg.json";
  std::ofstream(file) << doc.dump();
  return file;
}

std::set<int64_t> metric_steps(const fs::path& log) {
  std::set<int64_t> steps;
  for (const auto& r : read_event_log(log.string()).records)
    if (auto* m = std::get_if<wire::Metrics>(&r.payload)) steps.insert(m->step);
  return steps;
}

//! Overwrites `n` bytes at `at` with seeded noise.
void damage(const fs::path& file, uint64_t at, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(std::streamoff(at));
  for (size_t i = 0; i < n; ++i) f.put(char(rng()));
}

//! The byte offset of the Metrics record of `step`.
uint64_t offset_of_step(const fs::path& log, int64_t step) {
  const auto c = read_event_log(log.string());
  uint64_t off = sizeof(wire::StreamHeader);
  for (const auto& r : c.records) {
    if (auto* m = std::get_if<wire::Metrics>(&r.payload); m && m->step == step) return off;
    off += wire::encode_record(r).size();
  }
  return 0;
}

}  // namespace

TEST(RunnerDamage, ResumingOverAMidLogDamageKeepsTheRecordsAfterItAndExits4) {
  r1wb::testing::TempDir t;
  const auto cfg = write_small_batch_config(t.path, 30);
  const auto dir = t.path / "run", log = dir / "events.log";
  std::string err;
  ASSERT_EQ(run_runner({"train", cfg.string(), "--run-dir", dir.string(), "--steps", "20"}, t.path, &err), 0) << err;
  const auto at = offset_of_step(log, 8);
  ASSERT_GT(at, 0u);
  damage(log, at + 5, 40, 1);
  const int code = run_runner({"train", cfg.string(), "--run-dir", dir.string()}, t.path, &err);
  EXPECT_EQ(code, 4) << err;
  EXPECT_NE(err.find("events.log: bytes " + std::to_string(at)), std::string::npos) << err;
  EXPECT_NE(err.find("is lost"), std::string::npos) << err;
  const auto steps = metric_steps(log);
  for (int64_t s = 9; s <= 30; ++s) EXPECT_TRUE(steps.count(s)) << "step " << s << " is gone from the log";
  EXPECT_FALSE(steps.count(8)) << "the damaged record is not invented";

  // Ingest: every intact record, the loss named, exit 4; again: nothing new, still 4.
  const auto db = (t.path / "store.db").string();
  std::string out;
  EXPECT_EQ(run_runner({"ingest", dir.string(), "--store", db}, t.path, &err, &out), 4) << err;
  EXPECT_NE(err.find("is lost"), std::string::npos) << err;
  EXPECT_NE(out.find("lost to damage"), std::string::npos) << out;
  Store store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].last_step, 30);
  EXPECT_EQ(store.metric_points(runs[0].id, "train/loss", 0).size(), 29u) << "30 steps less the damaged one";
  EXPECT_EQ(run_runner({"ingest", dir.string(), "--store", db}, t.path, &err, &out), 4) << err;
  EXPECT_NE(out.find("ingested 0 new records"), std::string::npos) << out;
}

TEST(RunnerDamage, IngestRecoversEveryIntactRecordAfterDamageAtSeededOffsets) {
  r1wb::testing::TempDir t;
  const auto cfg = write_small_batch_config(t.path, 12);
  const auto pristine = t.path / "pristine";
  std::string err, out;
  ASSERT_EQ(run_runner({"train", cfg.string(), "--run-dir", pristine.string()}, t.path, &err), 0) << err;
  const auto size = fs::file_size(pristine / "events.log");
  const auto all = read_event_log((pristine / "events.log").string()).records.size();
  std::mt19937 rng(77);
  for (int trial = 0; trial < 8; ++trial) {
    const auto dir = t.path / ("trial-" + std::to_string(trial));
    fs::copy(pristine, dir, fs::copy_options::recursive);
    const uint64_t at = 16 + rng() % (size / 2);
    damage(dir / "events.log", at, 1 + rng() % 64, trial);
    const auto contents = read_event_log((dir / "events.log").string());
    const auto db = (dir / "store.db").string();
    const int code = run_runner({"ingest", dir.string(), "--store", db}, t.path, &err, &out);
    SCOPED_TRACE("damage at byte " + std::to_string(at) + ": " + err);
    EXPECT_EQ(code, 4);
    EXPECT_NE(err.find("byte"), std::string::npos);
    Store store(db);
    ASSERT_EQ(store.list_runs().size(), 1u);
    EXPECT_EQ(store.list_runs()[0].status, RunStatus::Completed) << "the final Status lies after the damage";
    EXPECT_GE(contents.records.size() + 3, all) << "a mid-log damage of at most 64 bytes costs a few records";
  }
}

TEST(RunnerDamage, ARunTrainedAgainInAnEmptiedDirectoryIsANewRunInTheStore) {
  r1wb::testing::TempDir t;
  const auto cfg = write_small_batch_config(t.path, 20);
  const auto dir = t.path / "run";
  const auto db = (t.path / "store.db").string();
  std::string err, out;
  ASSERT_EQ(run_runner({"train", cfg.string(), "--run-dir", dir.string()}, t.path, &err), 0) << err;
  ASSERT_EQ(run_runner({"ingest", dir.string(), "--store", db}, t.path, &err, &out), 0) << err;
  fs::remove_all(dir);
  ASSERT_EQ(run_runner({"train", cfg.string(), "--run-dir", dir.string(), "--steps", "5"}, t.path, &err), 0) << err;
  ASSERT_EQ(run_runner({"ingest", dir.string(), "--store", db}, t.path, &err, &out), 0) << err;
  EXPECT_EQ(out.find("ingested 0 new"), std::string::npos) << out;
  Store store(db);
  const auto runs = store.list_runs();  // newest first
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].last_step, 5);
  EXPECT_EQ(runs[1].last_step, 20) << "the first run keeps its rows";
  EXPECT_NE(runs[0].uid, runs[1].uid);
  EXPECT_EQ(store.metric_points(runs[0].id, "train/loss", 0).size(), 5u);
}

TEST(RunnerDamage, AConfigThatCannotFitFailsAtOnceWithTheEstimate) {
  r1wb::testing::TempDir t;
  // The reported vocabulary at a batch no machine holds the logits of (825 GiB), so the
  // outcome does not depend on the machine the test runs on.
  const auto cfg = write_small_batch_config(t.path, 5, [](nlohmann::json& d) {
    d["model"]["vocab_size"] = 1048576;
    d["train"]["batch_size"] = 1024;
  });
  std::string err;
  EXPECT_EQ(run_runner({"train", cfg.string(), "--run-dir", (t.path / "run").string()}, t.path, &err), 1) << err;
  EXPECT_NE(err.find("this run needs about"), std::string::npos) << err;
  EXPECT_NE(err.find("available"), std::string::npos) << err;
  EXPECT_NE(err.find("model.vocab_size 1048576"), std::string::npos) << err;
}

TEST(RunnerDamage, ThreadsBeyondTheCoresAreCappedWithAWarning) {
  r1wb::testing::TempDir t;
  const auto cfg = write_small_batch_config(t.path, 2, [](nlohmann::json& d) { d["train"]["threads"] = 1024; });
  std::string err;
  EXPECT_EQ(run_runner({"train", cfg.string(), "--run-dir", (t.path / "run").string()}, t.path, &err), 0) << err;
  EXPECT_NE(err.find("train.threads 1024 capped to this machine's " +
                     std::to_string(std::thread::hardware_concurrency()) + " cores"),
            std::string::npos)
      << err;
}

TEST(RunnerDamage, UpdatesThatMakeWeightsNonFiniteFailTheRunWithoutANanCheckpoint) {
  r1wb::testing::TempDir t;
  const auto cfg = write_small_batch_config(t.path, 30, [](nlohmann::json& d) {
    d["train"]["eps"] = 0.0;
    d["train"]["beta2"] = 0.0;
    d["train"]["max_skipped_steps"] = 5;
  });
  const auto dir = t.path / "run";
  std::string err;
  EXPECT_EQ(run_runner({"train", cfg.string(), "--run-dir", dir.string()}, t.path, &err), 1) << err;
  EXPECT_NE(err.find("5 steps in a row were skipped"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir / "checkpoints" / "step-10")) << "no checkpoint after the weights went bad";
  const auto c = read_event_log((dir / "events.log").string());
  ASSERT_FALSE(c.records.empty());
  int undone = 0;
  for (const auto& r : c.records)
    if (auto* l = std::get_if<wire::Log>(&r.payload)) undone += l->text.find("undone and skipped") != std::string::npos;
  EXPECT_EQ(undone, 5) << "each undone step is a warning in the run's log";
  const auto* status = std::get_if<wire::Status>(&c.records.back().payload);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, "failed");
}
