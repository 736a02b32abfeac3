// RL's batches and objective: rollouts become rows whose loss mask covers exactly the
// completion tokens, with the sampler's log-probs beside them; a batch is reused for
// rl.iterations steps; a group's advantages sum to zero; dynamic sampling replaces groups
// without spread; the reference starts as the policy; and one gradient step on the GRPO loss
// raises the advantage-weighted log-likelihood (a sign error would lower it).
#include "gpu/rl/rollouts.h"
#include "core/tasks/reasoning_tasks.h"
#include "gpu/rl/grpo_objective.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

Experiment rl_experiment(const std::function<void(nlohmann::json&)>& edit = {}) {
  auto doc = r1wb::testing::tiny_moe_doc(10, 0, 1);
  doc["train"]["warmup_steps"] = 0;
  doc["stage"] = "rl";
  doc["init"]["run"] = "unused";
  doc["train"]["batch_size"] = 8;
  doc["rl"]["group_size"] = 4;
  doc["rl"]["max_new_tokens"] = 12;
  doc["rl"]["rewards"]["accuracy"] = 0;
  doc["rl"]["rewards"]["charset"] = 1;  // an untrained model earns no accuracy: its random bytes vary in charset
  doc["rl"]["eval_prompts"] = 2;
  doc["rl"]["eval_k"] = 1;
  if (edit) edit(doc);
  auto r = validate_experiment(doc);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.experiment;
}

//! A GRPO objective started on a fresh tiny model, and its first step's batch.
struct StartedObjective {
  explicit StartedObjective(const Experiment& experiment) : e(experiment), objective(e) {
    torch::manual_seed(3);
    model = TransformerLM(e.model);
    objective.start({e, model, tok, torch::kCPU, sink, 0});
    batch = objective.own_data()->batch(1, 0, {1.0, 1.0});
  }
  Experiment e;
  r1wb::testing::TempDir dir;
  EventSink sink{dir.path.string(), -1, "", "{}", "t"};
  TransformerLM model{nullptr};
  ByteTokenizer tok;
  GrpoObjective objective;
  Batch batch;
};

}  // namespace

TEST(Rollouts, CompletionsBecomeMaskedRowsWithTheSamplersLogProbs) {
  const auto e = rl_experiment();
  torch::manual_seed(3);
  TransformerLM model(e.model);
  ByteTokenizer tok;
  RolloutSource src(e, model, tok, TransformerLM(nullptr));
  const auto b = src.batch(1, 0, {1.0, 1.0});
  const auto& ro = src.current().rollouts;
  ASSERT_EQ(ro.size(), 8u);
  ASSERT_EQ(b.input.size(0), 8);
  const auto adv = b.row_tensor("advantage"), sample_logp = b.row_tensor("sample_logp");
  ASSERT_TRUE(adv.defined() && sample_logp.defined());
  EXPECT_FALSE(b.row_tensor("old_logp").defined());  // one pass per batch: the policy's own
  EXPECT_FALSE(b.row_tensor("ref_logp").defined());  // beta 0: no reference
  for (int64_t i = 0; i < 8; ++i) {
    const auto& c = ro[size_t(i)].completion;
    EXPECT_EQ(split_of(ro[size_t(i)].prompt), Split::Train);
    std::vector<int64_t> masked_targets;
    std::vector<float> masked_logp;
    for (int64_t j = 0; j < b.mask.size(1); ++j)
      if (b.mask[i][j].item<float>() > 0) {
        masked_targets.push_back(b.target[i][j].item<int64_t>());
        masked_logp.push_back(sample_logp[i][j].item<float>());
      }
    EXPECT_EQ(masked_targets, c.tokens) << "row " << i;
    EXPECT_EQ(masked_logp, c.logprobs) << "row " << i;
    EXPECT_DOUBLE_EQ(adv[i].item<double>(), ro[size_t(i)].advantage);
  }
  for (int g = 0; g < 2; ++g) EXPECT_NEAR(adv.narrow(0, 4 * g, 4).sum().item<double>(), 0, 1e-5) << "group " << g;
  // The trainer's log-probs of the same tokens are the sampler's.
  torch::NoGradGuard no_grad;
  model->eval();
  const auto logp = token_logprobs(model->forward(b.input).logits, b.target, e.rl.temperature);
  EXPECT_LT(((logp - sample_logp).abs() * b.mask).max().item<double>(), 1e-4);
}

TEST(Rollouts, ABatchServesRlIterationsSteps) {
  const auto e = rl_experiment([](nlohmann::json& d) { d["rl"]["iterations"] = 2; });
  torch::manual_seed(3);
  TransformerLM model(e.model);
  ByteTokenizer tok;
  RolloutSource src(e, model, tok, TransformerLM(nullptr));
  const auto b1 = src.batch(1, 0, {1.0, 1.0});
  ASSERT_TRUE(b1.row_tensor("old_logp").defined());
  EXPECT_LT(((b1.row_tensor("old_logp") - b1.row_tensor("sample_logp")).abs() * b1.mask).max().item<double>(), 1e-4);
  const auto b2 = src.batch(2, 0, {1.0, 1.0});
  EXPECT_EQ(src.current().step, 1);
  EXPECT_TRUE(torch::equal(b1.input, b2.input));
  const auto b3 = src.batch(3, 0, {1.0, 1.0});
  EXPECT_EQ(src.current().step, 3);
  EXPECT_FALSE(b3.input.sizes() == b1.input.sizes() && torch::equal(b1.input, b3.input));
}

TEST(Rollouts, DynamicSamplingReplacesGroupsWithoutSpread) {
  // At temperature 0.01 a group's completions are the same: every group is flat.
  const auto e = rl_experiment([](nlohmann::json& d) {
    d["rl"]["temperature"] = 0.01;
    d["rl"]["dynamic_sampling"] = true;
    d["rl"]["max_resample_rounds"] = 2;
  });
  torch::manual_seed(3);
  TransformerLM model(e.model);
  ByteTokenizer tok;
  RolloutSource src(e, model, tok, TransformerLM(nullptr));
  src.batch(1, 0, {1.0, 1.0});
  EXPECT_EQ(src.current().stats.resampled_groups, 2 * 2);  // two rounds of two groups
  EXPECT_EQ(src.current().stats.frac_reward_zero_std, 1);
  EXPECT_EQ(src.current().rollouts.size(), 8u);
}

TEST(GrpoObjective, TheReferenceStartsAsThePolicy) {
  StartedObjective o(rl_experiment([](nlohmann::json& d) { d["rl"]["beta"] = 0.1; }));
  const auto& b = o.batch;
  const auto ref = b.row_tensor("ref_logp");
  ASSERT_TRUE(ref.defined());
  EXPECT_LT(((ref - b.row_tensor("sample_logp")).abs() * b.mask).max().item<double>(), 1e-4);
  const auto mb = o.objective.micro_batch(o.model, b, {});
  double kl = -1;
  for (const auto& [name, v] : mb.values)
    if (name == "kl") kl = v;
  EXPECT_NEAR(kl, 0, 1e-5);
}

TEST(GrpoObjective, AGradientStepRaisesTheAdvantageWeightedLogLikelihood) {
  for (const char* loss_type : {"grpo", "dapo", "dr_grpo"}) {
    SCOPED_TRACE(loss_type);
    StartedObjective o(rl_experiment([&](nlohmann::json& d) { d["rl"]["loss_type"] = loss_type; }));
    auto& model = o.model;
    const auto& b = o.batch;
    const auto adv = b.row_tensor("advantage");
    auto surrogate = [&] {  // sum_i A_i x mean log-prob of completion i
      torch::NoGradGuard no_grad;
      const auto logp = token_logprobs(model->forward(b.input).logits, b.target, 1.0);
      return ((logp * b.mask).sum(1) / b.mask.sum(1) * adv).sum().item<double>();
    };
    const double before = surrogate();
    model->zero_grad();
    o.objective.micro_batch(model, b, {}).loss.backward();
    {
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters())
        if (p.grad().defined()) p.sub_(0.05 * p.grad());
    }
    EXPECT_GT(surrogate(), before + 1e-4);
  }
}
