// End to end with real processes: r1wb-run is SIGKILLed halfway through training, run
// again, and the result ingested: every step appears exactly once in v_metrics. Also pins
// the command line's exit codes and error lines.
#include "core/config/config.h"
#include "core/jobs/local_job.h"
#include "core/store/store.h"
#include "core/wire/event_log.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace r1wb;
using r1wb::testing::run_runner;
using r1wb::testing::TempDir;
namespace fs = std::filesystem;

namespace {

int64_t query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_step(s);
  int64_t v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

fs::path write_experiment(const fs::path& dir, int steps) {
  auto path = dir / "experiment.json";
  std::ofstream(path) << r1wb::testing::tiny_moe_doc(steps, 20, 1).dump(2);
  return path;
}

}  // namespace

TEST(KillResume, ResumeAfterKillKeepsEveryStepOnce) {
  TempDir t;
  const int steps = 120;
  const auto config = write_experiment(t.path, steps);
  const auto run_dir = t.path / "run";
  const auto live_db = (t.path / "live.db").string();

  // First attempt: stream until step 60 has been reported, then SIGKILL mid-training.
  {
    LocalJob job({R1WB_RUNNER, "train", config.string(), "--run-dir", run_dir.string(), "--store", live_db},
                 (t.path / "first.stderr").string());
    wire::StreamDecoder dec;
    int64_t seen = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    while (seen < 60 && !job.stream_closed() && std::chrono::steady_clock::now() < deadline) {
      auto bytes = job.read_available();
      dec.feed(bytes.data(), bytes.size());
      while (auto r = dec.next())
        if (auto* m = std::get_if<wire::Metrics>(&r->payload)) seen = m->step;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(seen, 60) << "runner did not reach step 60: " << dec.error();
    job.kill();
    while (!job.poll_exit()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(*job.poll_exit(), 128 + 9);
  }
  auto partial = read_event_log((run_dir / "events.log").string());
  int64_t last_logged = 0;
  for (auto& r : partial.records)
    if (auto* m = std::get_if<wire::Metrics>(&r.payload)) last_logged = m->step;
  EXPECT_GE(last_logged, 60);
  EXPECT_LT(last_logged, steps);

  // Second attempt resumes from the newest checkpoint and finishes.
  std::string err;
  ASSERT_EQ(run_runner({"train", config.string(), "--run-dir", run_dir.string(), "--store", live_db}, t.path, &err), 0)
      << err;
  EXPECT_NE(err.find("run completed at step 120"), std::string::npos) << err;

  // Ingest the log into a fresh store, twice: the second changes nothing.
  const auto db = (t.path / "workbench.db").string();
  ASSERT_EQ(run_runner({"ingest", run_dir.string(), "--store", db}, t.path, &err), 0) << err;
  ASSERT_EQ(run_runner({"ingest", run_dir.string(), "--store", db}, t.path, &err), 0) << err;

  for (const auto& path : {db, live_db}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(query(path, "SELECT COUNT(*) FROM v_metrics WHERE metric = 'train/loss'"), steps);
    EXPECT_EQ(query(path, "SELECT COUNT(DISTINCT step) FROM v_metrics WHERE metric = 'train/loss'"), steps);
    EXPECT_EQ(query(path, "SELECT MIN(step) FROM v_metrics WHERE metric = 'train/loss'"), 1);
    EXPECT_EQ(query(path, "SELECT MAX(step) FROM v_metrics WHERE metric = 'train/loss'"), steps);
    EXPECT_EQ(query(path, "SELECT COUNT(*) FROM runs WHERE status = 'completed'"), 1);
  }
  EXPECT_EQ(query(db, "SELECT COUNT(*) FROM metrics"), query(live_db, "SELECT COUNT(*) FROM metrics"));
}

TEST(RunnerCli, ValidateReportsFieldPathAndExits2) {
  TempDir t;
  auto bad = t.path / "bad.json";
  std::ofstream(bad) << R"({"model": {"moe": {"num_experts": 4, "top_k": 5}}})";
  std::string err;
  EXPECT_EQ(run_runner({"validate", bad.string()}, t.path, &err), 2);
  EXPECT_EQ(err, "error: model.moe.top_k: 5 exceeds model.moe.num_experts (4)\n");
  EXPECT_EQ(run_runner({"validate", std::string(R1WB_SOURCE_DIR) + "/experiments/tiny-moe.json"}, t.path, &err), 0);
}

TEST(RunnerCli, BenchReportsThroughputFlopsAndStepSplit) {
  TempDir t;
  std::string err, out;
  const std::string config = std::string(R1WB_SOURCE_DIR) + "/experiments/tiny-moe.json";
  ASSERT_EQ(
      run_runner({"bench", config, "--steps", "3", "--warmup", "1", "--threads", "1", "--json"}, t.path, &err, &out), 0)
      << err;
  const auto r = nlohmann::json::parse(out);
  EXPECT_EQ(r["steps"], 3);
  EXPECT_EQ(r["tokens_per_step"], 32 * 64);
  EXPECT_GT(r["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(r["sgemm_flops_per_s"].get<double>(), r["model_flops_per_s"].get<double>() * 0.1);
  const double parts = r["forward_ms"].get<double>() + r["backward_ms"].get<double>() + r["optimizer_ms"].get<double>();
  EXPECT_NEAR(r["step_ms"].get<double>(), parts, 1e-6);
  EXPECT_NEAR(r["tokens_per_s"].get<double>(), 32 * 64 / (parts / 1000), 1e-3);
  EXPECT_LT(r["active_params"].get<int64_t>(), r["params"].get<int64_t>()) << "top-2 of 4 experts";

  EXPECT_EQ(run_runner({"bench", config, "--steps", "0"}, t.path, &err), 2);
  EXPECT_NE(err.find("--steps: '0' is not a positive integer"), std::string::npos) << err;
}

TEST(RunnerCli, BadUsageExits2WithHelp) {
  TempDir t;
  std::string err;
  EXPECT_EQ(run_runner({"train", "x.json"}, t.path, &err), 2);
  EXPECT_NE(err.find("train needs --run-dir DIR"), std::string::npos);
  EXPECT_EQ(run_runner({"frobnicate"}, t.path, &err), 2);
  EXPECT_NE(err.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_EQ(run_runner({"train", "--help"}, t.path), 0);
}

TEST(RunnerCli, SigtermCheckpointsAndExits3ThenResumes) {
  TempDir t;
  const auto config = write_experiment(t.path, 400);
  const auto run_dir = t.path / "run";
  LocalJob job({R1WB_RUNNER, "train", config.string(), "--run-dir", run_dir.string()}, (t.path / "e.txt").string());
  wire::StreamDecoder dec;
  int64_t seen = 0;
  while (seen < 5 && !job.stream_closed()) {
    auto bytes = job.read_available();
    dec.feed(bytes.data(), bytes.size());
    while (auto r = dec.next())
      if (auto* m = std::get_if<wire::Metrics>(&r->payload)) seen = m->step;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  job.request_stop();
  std::string last_state;
  while (!job.stream_closed()) {
    auto bytes = job.read_available();
    dec.feed(bytes.data(), bytes.size());
    while (auto r = dec.next())
      if (auto* s = std::get_if<wire::Status>(&r->payload)) last_state = s->state;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  while (!job.poll_exit()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(*job.poll_exit(), 3);
  EXPECT_EQ(last_state, "stopped");
  EXPECT_TRUE(fs::exists(run_dir / "checkpoints"));
}

TEST(RunnerCli, ConfigReferenceInDocsMatchesTheSchema) {
  TempDir t;
  LocalJob job({R1WB_RUNNER, "schema"}, (t.path / "err.txt").string());
  std::string generated;
  while (!job.stream_closed()) {
    generated += job.read_available();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::ifstream in(std::string(R1WB_SOURCE_DIR) + "/docs/config-reference.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(generated.empty());
  EXPECT_NE(doc.find(generated), std::string::npos)
      << "docs/config-reference.md is stale: run scripts/gen-config-reference.sh";
}
