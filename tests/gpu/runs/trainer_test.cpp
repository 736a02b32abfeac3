// Pins the training loop on the shipped tiny-moe experiment: the loss falls, a run stopped
// at step 100 and resumed reaches the uninterrupted run's loss at step 200, telemetry
// records are well-formed, and a stop request leaves a resumable checkpoint.
#include "gpu/train/trainer.h"
#include "core/config/config.h"
#include "core/wire/event_log.h"
#include "gpu/train/checkpoint.h"
#include "gpu/train/event_sink.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <numeric>
#include <unistd.h>

using namespace r1wb;
using namespace r1wb::gpu;
namespace fs = std::filesystem;

namespace {

fs::path temp_root() {
  static const fs::path root = fs::temp_directory_path() / ("r1wb-trainer-" + std::to_string(::getpid()));
  return root;
}

ConfigResult tiny_moe(int steps) { return validate_experiment(r1wb::testing::tiny_moe_doc(steps, 50, 10)); }

using RunLog = r1wb::testing::ShortRun;

RunLog train(const ConfigResult& cfg, const fs::path& dir, int64_t stop_after = -1,
             const std::atomic<bool>* stop = nullptr, std::function<void(const StepStats&)> extra = {}) {
  return r1wb::testing::short_run(cfg, dir, {5, stop_after, stop, std::move(extra)});
}

// One uninterrupted 200-step run shared by the tests below (it is the slow part).
class TinyMoe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(temp_root());
    full_ = new RunLog(train(tiny_moe(200), temp_root() / "full"));
  }
  static void TearDownTestSuite() {
    delete full_;
    fs::remove_all(temp_root());
  }
  static RunLog* full_;
};
RunLog* TinyMoe::full_ = nullptr;

double mean_loss(const RunLog& log, int64_t from, int64_t to) {
  double s = 0;
  for (int64_t i = from; i <= to; ++i) s += log.losses.at(i);
  return s / double(to - from + 1);
}

}  // namespace

TEST_F(TinyMoe, LossFallsByAtLeastAThirdIn200Steps) {
  ASSERT_EQ(full_->losses.size(), 200u);
  const double start = mean_loss(*full_, 1, 10), end = mean_loss(*full_, 191, 200);
  std::cout << "tiny-moe loss: steps 1-10 " << start << ", steps 191-200 " << end << ", " << full_->result.tokens_per_s
            << " tokens/s\n";
  EXPECT_LE(end, start * 2.0 / 3.0);
  EXPECT_EQ(full_->result.state, RunStatus::Completed);
}

TEST_F(TinyMoe, StoppedAtStep100AndResumedMatchesUninterruptedAtStep200) {
  const auto dir = temp_root() / "resumed";
  auto cfg = tiny_moe(200);
  auto first = train(cfg, dir, 100);
  EXPECT_EQ(first.result.state, RunStatus::Stopped);
  EXPECT_EQ(newest_checkpoint(dir.string()), 100);
  auto second = train(cfg, dir);  // a fresh Trainer, as a new process would build
  EXPECT_EQ(second.result.resumed_from, 100);
  EXPECT_EQ(second.losses.begin()->first, 101);
  EXPECT_NEAR(second.losses.at(200), full_->losses.at(200), 1e-4);
  EXPECT_NEAR(second.losses.at(150), full_->losses.at(150), 1e-4);

  // The log holds both sessions with one unbroken seq and a resume marker.
  auto log = read_event_log((dir / "events.log").string());
  EXPECT_TRUE(log.clean()) << log.error;
  for (size_t i = 0; i < log.records.size(); ++i) ASSERT_EQ(log.records[i].seq, i + 1);
  int starts = 0;
  for (auto& r : log.records)
    if (auto* s = std::get_if<wire::RunStarted>(&r.payload)) {
      EXPECT_EQ(s->resumed_from_step, starts == 0 ? -1 : 100);
      ++starts;
    }
  EXPECT_EQ(starts, 2);

  // train/tokens (the charts' token axis) counts on from the checkpoint, not from zero.
  auto tokens_at = [](const fs::path& run, int64_t step) {
    double tokens = -1;
    for (auto& r : read_event_log((run / "events.log").string()).records)
      if (auto* m = std::get_if<wire::Metrics>(&r.payload); m && m->step == step)
        for (const auto& [name, value] : m->values)
          if (name == "train/tokens") tokens = value;
    return tokens;
  };
  const auto& t = cfg.experiment.train;
  const double per_step = double(t.batch_size) * cfg.experiment.data.seq_len * t.grad_accum;
  EXPECT_EQ(tokens_at(dir, 100), 100 * per_step);
  EXPECT_EQ(tokens_at(dir, 200), 200 * per_step);
  EXPECT_EQ(tokens_at(temp_root() / "full", 200), 200 * per_step);
}

TEST_F(TinyMoe, ExpertLoadSnapshotsSumToOnePerLayer) {
  auto log = read_event_log((temp_root() / "full" / "events.log").string());
  int snapshots = 0, metrics = 0;
  for (auto& r : log.records) {
    if (auto* s = std::get_if<wire::Snapshot>(&r.payload); s && s->name == "moe/expert_load") {
      ++snapshots;
      ASSERT_EQ(s->rows, 2u);
      ASSERT_EQ(s->cols, 4u);
      for (uint32_t l = 0; l < s->rows; ++l) {
        double sum = std::accumulate(s->data.begin() + l * s->cols, s->data.begin() + (l + 1) * s->cols, 0.0);
        EXPECT_NEAR(sum, 1.0, 1e-5) << "layer " << l << " step " << s->step;
      }
    }
    if (auto* m = std::get_if<wire::Metrics>(&r.payload)) {
      ++metrics;
      std::map<std::string, double> v(m->values.begin(), m->values.end());
      EXPECT_TRUE(v.count("train/loss") && v.count("train/lr") && v.count("train/grad_norm") &&
                  v.count("perf/tokens_per_s") && v.count("train/aux_loss"));
      EXPECT_GT(v["perf/tokens_per_s"], 0);
    }
  }
  EXPECT_EQ(snapshots, 20);  // every 10 of 200 steps
  EXPECT_EQ(metrics, 20);
}

TEST_F(TinyMoe, ProbesAndStepSplitAreEmittedOnSchedule) {
  auto log = read_event_log((temp_root() / "full" / "events.log").string());
  std::vector<int64_t> probe_steps;
  int with_split = 0;
  for (auto& r : log.records) {
    if (auto* s = std::get_if<wire::Snapshot>(&r.payload); s && s->name == "probe/tokens")
      probe_steps.push_back(s->step);
    if (auto* m = std::get_if<wire::Metrics>(&r.payload)) {
      std::map<std::string, double> v(m->values.begin(), m->values.end());
      if (v["perf/forward_ms"] > 0 && v["perf/backward_ms"] > 0 && v["perf/optimizer_ms"] > 0 &&
          v["perf/peak_memory_mb"] > 0)
        ++with_split;
    }
  }
  EXPECT_EQ(probe_steps, (std::vector<int64_t>{50, 100, 150, 200})) << "telemetry.probe_every defaults to 50";
  EXPECT_EQ(with_split, 20);
}

TEST_F(TinyMoe, StopRequestCheckpointsAndResumes) {
  const auto dir = temp_root() / "stopped";
  std::atomic<bool> stop{false};
  auto cfg = tiny_moe(200);
  auto first = train(cfg, dir, -1, &stop, [&](const StepStats& s) {
    if (s.step == 23) stop = true;
  });
  EXPECT_EQ(first.result.state, RunStatus::Stopped);
  EXPECT_EQ(first.result.last_step, 23);
  EXPECT_EQ(newest_checkpoint(dir.string()), 23);
  auto second = train(cfg, dir, 30);
  EXPECT_EQ(second.result.resumed_from, 23);
  EXPECT_NEAR(second.losses.at(30), full_->losses.at(30), 1e-4);
}
