// Pins the shape of every learning-rate schedule at the steps where it changes.
#include "gpu/train/lr_schedule.h"
#include "core/config/config.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {
TrainConfig train(const std::string& json) {
  auto r = parse_experiment(R"({"train": )" + json + "}");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.experiment.train;
}
}  // namespace

TEST(LrSchedule, CosineWarmsUpLinearlyThenDecaysToTheMinimum) {
  auto t = train(R"({"steps": 100, "warmup_steps": 10, "lr": 1.0, "min_lr_ratio": 0.1})");
  EXPECT_DOUBLE_EQ(learning_rate(t, 5), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(t, 10), 1.0);
  EXPECT_NEAR(learning_rate(t, 55), 0.55, 1e-12) << "half-way down the cosine";
  EXPECT_NEAR(learning_rate(t, 100), 0.1, 1e-12);
}

TEST(LrSchedule, CosineRestartsReturnToThePeakWithGrowingCycles) {
  auto t = train(R"({"steps": 100, "warmup_steps": 0, "lr": 1.0, "min_lr_ratio": 0.0,
                     "lr_schedule": "cosine_restarts", "restart_period": 10, "restart_mult": 2})");
  EXPECT_DOUBLE_EQ(learning_rate(t, 5), 0.5);
  EXPECT_LT(learning_rate(t, 9), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(t, 10), 1.0) << "first restart";
  EXPECT_DOUBLE_EQ(learning_rate(t, 20), 0.5) << "the second cycle is 20 steps";
  EXPECT_DOUBLE_EQ(learning_rate(t, 30), 1.0) << "second restart";
}

TEST(LrSchedule, WarmupStableDecayHoldsThePeakThenDecaysLinearly) {
  auto t = train(R"({"steps": 100, "warmup_steps": 10, "lr": 1.0, "min_lr_ratio": 0.0,
                     "lr_schedule": "wsd", "decay_fraction": 0.2})");
  EXPECT_DOUBLE_EQ(learning_rate(t, 50), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate(t, 80), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate(t, 90), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(t, 100), 0.0);
}

TEST(LrSchedule, DeepSeekV3IsConstantThenCosineThenAStepTail) {
  auto t = train(R"({"steps": 1000, "warmup_steps": 20, "lr": 2.2e-4, "min_lr_ratio": 0.1,
                     "lr_schedule": "v3"})");
  EXPECT_DOUBLE_EQ(learning_rate(t, 20), 2.2e-4);
  EXPECT_DOUBLE_EQ(learning_rate(t, 676), 2.2e-4);
  EXPECT_NEAR(learning_rate(t, 821), 0.5 * (2.2e-4 + 2.2e-5), 1e-12) << "cosine mid-point";
  EXPECT_NEAR(learning_rate(t, 966), 2.2e-5, 1e-12);
  EXPECT_NEAR(learning_rate(t, 977), 2.2e-5, 1e-12);
  EXPECT_NEAR(learning_rate(t, 978), 2.2e-4 * 0.0332, 1e-12);
  EXPECT_NEAR(learning_rate(t, 1000), 2.2e-4 * 0.0332, 1e-12);
}
