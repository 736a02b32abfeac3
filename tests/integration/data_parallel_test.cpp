// Data parallel training with two real processes over c10d Gloo: every step's loss equals
// the one-process run on the same global batch (within 1e-4), and at the end the ranks'
// weights and last gradients are identical (the runner measures it with MAX/MIN all-reduces).
#include "core/wire/event_log.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

using r1wb::testing::run_runner;
using r1wb::testing::TempDir;
namespace fs = std::filesystem;

namespace {
// Step -> metric values, from a run directory's events.log.
std::map<int64_t, std::map<std::string, double>> metrics(const fs::path& run_dir) {
  std::map<int64_t, std::map<std::string, double>> out;
  for (const auto& r : r1wb::read_event_log((run_dir / "events.log").string()).records)
    if (auto* m = std::get_if<r1wb::wire::Metrics>(&r.payload))
      for (const auto& [name, value] : m->values) out[m->step][name] = value;
  return out;
}
}  // namespace

TEST(DataParallel, TwoRanksMatchOneProcessOnTheSameGlobalBatch) {
  TempDir t;
  // Everything must match: LM loss, MoE dispatch, the batch-level balance loss (its f_i over
  // the global batch), the sequence-wise loss, AdamW, clipping.
  auto doc = r1wb::testing::tiny_moe_doc(30, 0, 1);
  doc["model"]["moe"]["aux_loss_weight"] = 0.05;
  doc["model"]["moe"]["seq_aux_loss_weight"] = 0.01;
  const auto config = t.path / "experiment.json";
  std::ofstream(config) << doc.dump(2);
  std::string err;
  ASSERT_EQ(run_runner({"train", config.string(), "--run-dir", (t.path / "one").string(), "--no-stream"}, t.path, &err),
            0)
      << err;
  ASSERT_EQ(
      run_runner({"train", config.string(), "--run-dir", (t.path / "two").string(), "--nproc", "2", "--no-stream"},
                 t.path, &err),
      0)
      << err;
  const auto one = metrics(t.path / "one"), two = metrics(t.path / "two");
  ASSERT_EQ(one.size(), 30u);
  double worst = 0, worst_aux = 0;
  for (int64_t step = 1; step <= 30; ++step) {
    ASSERT_TRUE(two.count(step)) << "step " << step;
    worst = std::max(worst, std::abs(one.at(step).at("train/loss") - two.at(step).at("train/loss")));
    worst_aux = std::max(worst_aux, std::abs(one.at(step).at("train/aux_loss") - two.at(step).at("train/aux_loss")));
  }
  std::printf("[ info ] largest difference over 30 steps, 1 vs 2 processes: loss %.2e, aux loss %.2e\n", worst,
              worst_aux);
  EXPECT_LE(worst, 1e-4);
  EXPECT_LE(worst_aux, 1e-4);
  EXPECT_EQ(two.at(30).at("dp/max_weight_diff"), 0.0) << "weights identical across ranks";
  EXPECT_EQ(two.at(30).at("dp/max_grad_diff"), 0.0) << "gradients identical across ranks";
  EXPECT_TRUE(fs::exists(t.path / "two" / "checkpoints" / "step-30")) << "rank 0 writes the checkpoint";
  EXPECT_FALSE(fs::exists(t.path / "two" / "ranks" / "rank-1" / "checkpoints"));
}

TEST(DataParallel, RecomputedBlocksReplayTheGlobalCountsInsteadOfReducingAgain) {
  // With recompute, backward reruns each MoE block; the rerun must use the global counts the
  // first run reduced (the same loss, so the same gradients) and call no extra collective.
  TempDir t;
  auto doc = r1wb::testing::tiny_moe_doc(10, 0, 1);
  doc["model"]["moe"]["aux_loss_weight"] = 0.05;
  doc["train"]["warmup_steps"] = 2;
  const auto plain = t.path / "plain.json", recompute = t.path / "recompute.json";
  std::ofstream(plain) << doc.dump(2);
  doc["train"]["recompute_layers"] = 2;
  std::ofstream(recompute) << doc.dump(2);
  std::string err;
  ASSERT_EQ(run_runner({"train", plain.string(), "--run-dir", (t.path / "one").string(), "--no-stream"}, t.path, &err),
            0)
      << err;
  ASSERT_EQ(
      run_runner({"train", recompute.string(), "--run-dir", (t.path / "two").string(), "--nproc", "2", "--no-stream"},
                 t.path, &err),
      0)
      << err;
  const auto one = metrics(t.path / "one"), two = metrics(t.path / "two");
  double worst = 0;
  for (int64_t step = 1; step <= 10; ++step) {
    ASSERT_TRUE(two.count(step)) << "step " << step;
    worst = std::max(worst, std::abs(one.at(step).at("train/loss") - two.at(step).at("train/loss")));
  }
  EXPECT_LE(worst, 1e-4);
  EXPECT_EQ(two.at(10).at("dp/max_weight_diff"), 0.0);
}

TEST(DataParallel, BatchThatDoesNotDivideIsAClearError) {
  TempDir t;
  auto doc = r1wb::testing::tiny_moe_doc(30, 0, 1);
  doc["train"]["batch_size"] = 9;
  const auto config = t.path / "experiment.json";
  std::ofstream(config) << doc.dump(2);
  std::string err;
  EXPECT_EQ(
      run_runner({"train", config.string(), "--run-dir", (t.path / "run").string(), "--nproc", "2", "--no-stream"},
                 t.path, &err),
      2);
  EXPECT_EQ(err, "error: train.batch_size: 9 does not divide among 2 data-parallel ranks (--nproc 2)\n");
  EXPECT_FALSE(fs::exists(t.path / "run" / "ranks")) << "no rank was started";
}
