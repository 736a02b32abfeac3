// Pins the science of auxiliary-loss-free balancing (DeepSeek-V3): on tiny-moe with V3's
// sigmoid router and no auxiliary loss, the bias update keeps the max/mean expert load at
// step 300 at most 1.25, while the same run (same seed) without it is clearly worse. The
// sigmoid router trains; the softmax one is covered by TinyMoe.LossFallsByAtLeastAThird.
#include "core/config/config.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <algorithm>
#include <cstdio>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

struct BalanceRun {
  double first_loss = 0, last_loss = 0;  // means over steps 1-10 and 291-300
  double load_ratio = 0;                 // max over layers of max/mean load, mean over steps 291-300
};

BalanceRun run_v3_router(const std::filesystem::path& dir, double bias_update_speed) {
  auto doc = r1wb::testing::tiny_moe_doc(300, 0, 50);
  doc["model"]["moe"]["score_func"] = "sigmoid";
  doc["model"]["moe"]["aux_loss_weight"] = 0.0;
  doc["model"]["moe"]["bias_update_speed"] = bias_update_speed;
  BalanceRun r;
  const auto run = r1wb::testing::short_run(doc, dir, 10, [&](const StepStats& s) {
    if (s.step <= 290) return;
    double worst = 0;
    for (const auto& layer : s.expert_load)
      worst = std::max(worst, double(*std::max_element(layer.begin(), layer.end())) * layer.size());
    r.load_ratio += worst / 10;
  });
  r.first_loss = run.first_loss, r.last_loss = run.last_loss;
  return r;
}

}  // namespace

TEST(AuxLossFreeBalancing, KeepsMaxOverMeanLoadAtMost1_25AndOffIsClearlyWorse) {
  r1wb::testing::TempDir tmp;
  const auto on = run_v3_router(tmp.path / "on", 0.001);
  const auto off = run_v3_router(tmp.path / "off", 0.0);
  std::printf(
      "[ info ] max/mean expert load at step 291-300: bias on %.3f, off %.3f; "
      "loss 1-10 -> 291-300: on %.3f -> %.3f, off %.3f -> %.3f\n",
      on.load_ratio, off.load_ratio, on.first_loss, on.last_loss, off.first_loss, off.last_loss);
  EXPECT_LE(on.load_ratio, 1.25);
  EXPECT_GT(off.load_ratio, 1.25);
  EXPECT_GE(off.load_ratio - on.load_ratio, 0.15);
  EXPECT_LE(on.last_loss, on.first_loss * 2.0 / 3.0) << "the sigmoid router trains";

  // The bias is state: the final checkpoint holds it, moved by at most gamma per step.
  auto cfg = validate_experiment(r1wb::testing::tiny_moe_doc(300, 0, 50));
  TransformerLM fresh(cfg.experiment.model);
  torch::serialize::InputArchive archive;
  archive.load_from((tmp.path / "on/checkpoints/step-300/model.pt").string());
  fresh->load(archive);
  auto bias = fresh->blocks[0]->as<Block>()->moe->expert_bias;
  EXPECT_GT(bias.abs().max().item<float>(), 0.0f);
  EXPECT_LE(bias.abs().max().item<float>(), 300 * 0.001f + 1e-6f);
}
