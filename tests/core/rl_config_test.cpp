// Pins the stage, init and rl sections: a later stage needs its parent, RL needs a task with
// a verifier, groups must divide the step's completions, and a completion must fit after the
// longest prompt. Each error names its field. The RL presets validate and touch only rl.
#include "core/config/ablation.h"
#include "core/config/config.h"
#include "core/config/rl_presets.h"

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

TEST(RlConfig, EveryPresetValidatesAndSetsOnlyTheRlStageAndSection) {
  nlohmann::ordered_json doc = {{"name", "x"}, {"init", {{"run", "runs/base"}}}, {"rl", {{"group_size", 4}}}};
  for (const auto& p : rl_presets()) {
    SCOPED_TRACE(p.name);
    const auto out = apply_rl_preset(doc, p);
    auto r = parse_experiment(out.dump());
    ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
    EXPECT_EQ(r.experiment.stage, Stage::Rl);
    EXPECT_EQ(r.experiment.rl.group_size, 4) << "fields the preset does not name are kept";
    EXPECT_EQ(out["name"], "x");
  }
  const auto& names = rl_presets();
  ASSERT_EQ(names.size(), 6u);
  auto dapo = parse_experiment(apply_rl_preset(doc, names[2]).dump()).experiment.rl;
  EXPECT_DOUBLE_EQ(dapo.eps_high, 0.28);
  EXPECT_TRUE(dapo.dynamic_sampling);
  EXPECT_EQ(dapo.loss_type, LossReduction::Dapo);
  auto gspo = parse_experiment(apply_rl_preset(doc, names[3]).dump()).experiment.rl;
  EXPECT_EQ(gspo.ratio, RatioLevel::Sequence);
  auto dr = parse_experiment(apply_rl_preset(doc, names[1]).dump()).experiment.rl;
  EXPECT_EQ(dr.scale_rewards, ScaleRewards::None);
  EXPECT_EQ(dr.loss_type, LossReduction::DrGrpo);
  auto ppo = parse_experiment(apply_rl_preset(doc, names[5]).dump()).experiment.rl;
  EXPECT_EQ(ppo.advantage, AdvantageKind::Gae);
  EXPECT_DOUBLE_EQ(ppo.gae_lambda, 0.95);
  EXPECT_EQ(ppo.kl_estimator, KlEstimator::K1);
}

TEST(RlConfig, PpoTakesGroupsOfOne) {
  const std::string base = R"("stage": "rl", "init": {"run": "runs/base"}, "data": {"task": "addition"}, )";
  EXPECT_TRUE(parse_experiment("{" + base + R"("rl": {"advantage": "gae", "group_size": 1}})").ok())
      << "PPO's baseline is the value head: one completion per prompt is enough";
  EXPECT_TRUE(has_error("{" + base + R"("rl": {"advantage": "grpo", "group_size": 1}})", "rl.group_size"));
}

TEST(RlConfig, RlFieldsAreAblationAxes) {
  const nlohmann::json base = {{"stage", "rl"}, {"init", {{"run", "runs/base"}}}};
  std::vector<std::string> errors;
  const std::vector<AblationAxis> axes = {{"rl.beta", parse_axis_values("rl.beta", "0, 0.04", errors)},
                                          {"rl.loss_type", parse_axis_values("rl.loss_type", "grpo, dapo", errors)}};
  ASSERT_TRUE(errors.empty()) << errors[0];
  const auto plan = expand_ablation(base, axes);
  ASSERT_TRUE(plan.ok()) << (plan.errors.empty() ? "no cells" : plan.errors[0]);
  ASSERT_EQ(plan.cells.size(), 4u);
  EXPECT_EQ(plan.cells[3].label, "rl.beta=0.04 rl.loss_type=dapo");
  EXPECT_EQ(plan.cells[3].config["rl"]["loss_type"], "dapo");
  EXPECT_FALSE(parse_axis_values("rl.loss_type", "grpo, token_mean", errors).size() == 2);
}
