// Short training runs of tiny-moe with one feature switched on each: attention variants,
// LAMB, bf16 autocast, multi-token prediction and a phased curriculum. Each must learn (the
// loss falls by a set share) and the curriculum's phases must change at their steps.
#include "core/wire/event_log.h"
#include "core/wire/telemetry.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(Attention, EveryVariantTrainsTinyMoe) {
  for (const char* variant :
       {R"({"n_kv_heads": 2, "sliding_window": 16})", R"({"scores": "sigmoid_gate", "sigmoid_log_bias": true})",
        R"({"kind": "mla", "kv_lora_rank": 16, "rope_head_dim": 8})"}) {
    SCOPED_TRACE(variant);
    r1wb::testing::TempDir tmp;
    auto doc = r1wb::testing::tiny_moe_doc(40, 0, 10);
    doc["model"]["attention"] = nlohmann::json::parse(variant);
    const auto run = r1wb::testing::short_run(doc, tmp.path);
    std::printf("[ info ] %s: loss %.3f -> %.3f in 40 steps\n", variant, run.first_loss, run.last_loss);
    EXPECT_LE(run.last_loss, run.first_loss * 0.6);
  }
}

TEST(Lamb, TrainsTinyMoe) {
  r1wb::testing::TempDir tmp;
  auto doc = r1wb::testing::tiny_moe_doc(40, 0, 10);
  doc["train"]["optimizer"] = "lamb";
  doc["train"]["lr"] = 0.03;  // LAMB moves each tensor by lr x its norm: larger than AdamW's lr
  const auto run = r1wb::testing::short_run(doc, tmp.path);
  std::printf("[ info ] LAMB tiny-moe: loss %.3f -> %.3f in 40 steps\n", run.first_loss, run.last_loss);
  EXPECT_LE(run.last_loss, run.first_loss * 0.6);
}

TEST(Precision, Bf16AutocastTrainsTinyMoe) {
  r1wb::testing::TempDir tmp;
  auto doc = r1wb::testing::tiny_moe_doc(60, 0, 10);
  doc["train"]["precision"] = "bf16";
  int skipped = 0;
  const auto run = r1wb::testing::short_run(doc, tmp.path, 5, [&](const StepStats& s) { skipped += s.skipped; });
  std::printf("[ info ] bf16 tiny-moe loss: steps 1-5 %.3f, steps 56-60 %.3f\n", run.first_loss, run.last_loss);
  EXPECT_EQ(skipped, 0);
  EXPECT_LE(run.last_loss, run.first_loss * 0.5);
}

TEST(MultiTokenPrediction, BothLossesFallInTraining) {
  r1wb::testing::TempDir tmp;
  auto doc = r1wb::testing::tiny_moe_doc(40, 0, 10);
  doc["model"]["mtp_weight"] = 0.3;
  double mtp0 = 0, mtp1 = 0;
  const auto run = r1wb::testing::short_run(doc, tmp.path, 5, [&](const StepStats& s) {
    if (s.step <= 5) mtp0 += s.value(telemetry::kMtpLoss) / 5;
    if (s.step > 35) mtp1 += s.value(telemetry::kMtpLoss) / 5;
  });
  const double lm0 = run.first_loss, lm1 = run.last_loss;
  std::printf("[ info ] MTP: LM loss %.3f -> %.3f, MTP loss %.3f -> %.3f in 40 steps\n", lm0, lm1, mtp0, mtp1);
  EXPECT_GT(mtp0, 0.0);
  EXPECT_LE(lm1, lm0 * 0.6);
  EXPECT_LE(mtp1, mtp0 * 0.75);
}

TEST(Curriculum, TrainingEmitsEachPhaseAtItsConfiguredStep) {
  r1wb::testing::TempDir tmp;
  auto doc = r1wb::testing::tiny_moe_doc(40, 0, 10);
  doc["curriculum"]["mode"] = "phases";
  doc["curriculum"]["phases"] = nlohmann::json::parse(R"([{"until": 0.25, "mix": {"1": 1}},
      {"until": 0.5, "mix": {"1": 1, "2": 1}}, {"until": 1.0, "mix": {"2": 1}}])");
  r1wb::testing::short_run(doc, tmp.path);
  auto log = read_event_log((tmp.path / "events.log").string());
  std::vector<std::pair<int64_t, std::vector<float>>> phases;
  for (const auto& r : log.records)
    if (auto* s = std::get_if<wire::Snapshot>(&r.payload); s && s->name == telemetry::kCurriculumMix)
      phases.push_back({s->step, s->data});
  ASSERT_EQ(phases.size(), 3u);
  EXPECT_EQ(phases[0], (std::pair<int64_t, std::vector<float>>{1, {1.0f, 0.0f}}));
  EXPECT_EQ(phases[1], (std::pair<int64_t, std::vector<float>>{11, {0.5f, 0.5f}}));
  EXPECT_EQ(phases[2], (std::pair<int64_t, std::vector<float>>{21, {0.0f, 1.0f}}));
}
