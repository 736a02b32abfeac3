// Pins the stage, init and rl sections: a later stage needs its parent, RL needs a task with
// a verifier, groups must divide the step's completions, and a completion must fit after the
// longest prompt. Each error names its field.
#include "core/config/config.h"

#include <gtest/gtest.h>

using namespace r1wb;

namespace {
std::vector<std::string> error_paths(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& e : parse_experiment(text).errors) out.push_back(e.path + ": " + e.message);
  return out;
}
bool has_error(const std::string& text, const std::string& path) {
  for (const auto& e : parse_experiment(text).errors)
    if (e.path == path) return true;
  return false;
}
}  // namespace

TEST(RlConfig, DefaultsAreDeepSeekMathsGrpo) {
  auto r = parse_experiment(R"({"stage": "rl", "init": {"run": "runs/base"}})");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  const auto& rl = r.experiment.rl;
  EXPECT_EQ(r.experiment.stage, Stage::Rl);
  EXPECT_EQ(r.experiment.init.step, -1);
  EXPECT_EQ(rl.scale_rewards, ScaleRewards::Group);
  EXPECT_EQ(rl.loss_type, LossReduction::Grpo);
  EXPECT_EQ(rl.advantage, AdvantageKind::Grpo);
  EXPECT_EQ(rl.kl_estimator, KlEstimator::K3);
  EXPECT_DOUBLE_EQ(rl.eps_low, 0.2);
  EXPECT_DOUBLE_EQ(rl.rewards.accuracy, 1);
  EXPECT_DOUBLE_EQ(rl.rewards.format, 0);
}

TEST(RlConfig, ALaterStageNeedsItsParent) {
  EXPECT_TRUE(has_error(R"({"stage": "rl"})", "init.run"));
  EXPECT_TRUE(has_error(R"({"stage": "sft"})", "init.run"));
  EXPECT_FALSE(has_error(R"({"stage": "pretrain"})", "init.run"));
  EXPECT_TRUE(has_error(R"({"stage": "distil", "init": {"run": "x"}})", "stage"));
}

TEST(RlConfig, CrossFieldRulesNameTheirField) {
  const std::string base = R"("stage": "rl", "init": {"run": "r"}, )";
  // 32 completions a step do not split into groups of 5.
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"group_size": 5}})", "rl.group_size"));
  EXPECT_FALSE(has_error("{" + base + R"("train": {"batch_size": 10}, "rl": {"group_size": 5}})", "rl.group_size"));
  // A group of one has no spread to scale by; RLOO no others to average.
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"group_size": 1}})", "rl.group_size"));
  EXPECT_FALSE(has_error("{" + base + R"("rl": {"group_size": 1, "scale_rewards": "none"}})", "rl.group_size"));
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"group_size": 1, "advantage": "rloo"}})", "rl.group_size"));
  // The longest 2-digit prompt "99+99=" (6 tokens) and 128 new tokens exceed 128 positions.
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"max_new_tokens": 123}})", "rl.max_new_tokens"));
  EXPECT_FALSE(has_error("{" + base + R"("rl": {"max_new_tokens": 122}})", "rl.max_new_tokens"));
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"overlong_buffer": 64, "max_new_tokens": 32}})", "rl.overlong_buffer"));
  EXPECT_TRUE(has_error("{" + base + R"("data": {"task": "text", "corpus": "c.txt"}})", "data.task"));
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"loss_type": "token_mean"}})", "rl.loss_type"));
  const auto errors = error_paths("{" + base + R"("rl": {"group_size": 5}})");
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("train.batch_size x train.grad_accum = 32"), std::string::npos) << errors[0];
}

TEST(RlConfig, RlFieldsDoNotBindAPretrainingRun) {
  // The rl section is validated only for the rl stage: a pretraining config may carry one.
  EXPECT_TRUE(parse_experiment(R"({"rl": {"group_size": 5}})").ok());
}
