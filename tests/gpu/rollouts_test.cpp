// RL's batches and objective: rollouts become rows whose loss mask covers exactly the
// completion tokens, with the sampler's log-probs beside them; a batch is reused for
// rl.iterations steps; a group's advantages sum to zero; dynamic sampling replaces groups
// without spread; the reference starts as the policy; and one gradient step on the GRPO loss
// raises the advantage-weighted log-likelihood (a sign error would lower it); PPO's critic
// turns the rewards into whitened per-token advantages and trains its value head, which a
// checkpoint keeps and a plain model loading it ignores.
#include "gpu/rl/rollouts.h"
#include "core/tasks/reasoning_tasks.h"
#include "gpu/rl/rl_objective.h"
#include "gpu/train/checkpoint.h"
#include "gpu/train/optimizer.h"
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
    objective.extend_model(model, torch::kCPU);
    const std::string run_dir = dir.path.string();
    objective.start({e, model, tok, torch::kCPU, sink, 0, run_dir});
    batch = objective.own_data()->batch(1, 0, {1.0, 1.0});
  }
  Experiment e;
  r1wb::testing::TempDir dir;
  EventSink sink{dir.path.string(), -1, "", "{}", "t"};
  TransformerLM model{nullptr};
  ByteTokenizer tok;
  RlObjective objective;
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

TEST(RlObjective, TheReferenceStartsAsThePolicy) {
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

TEST(RlObjective, AGradientStepRaisesTheAdvantageWeightedLogLikelihood) {
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

TEST(PpoCritic, RewardsBecomeWhitenedPerTokenAdvantagesAndTheValueHeadLearns) {
  StartedObjective o(rl_experiment([](nlohmann::json& d) {
    d["rl"]["advantage"] = "gae";
    d["rl"]["group_size"] = 1;
    d["rl"]["gae_lambda"] = 1.0;  // with values 0 every token's return is its completion's reward
  }));
  const auto& b = o.batch;
  const auto adv = b.row_tensor("advantage"), returns = b.row_tensor("returns"), old = b.row_tensor("old_values");
  ASSERT_TRUE(adv.defined() && returns.defined() && old.defined());
  ASSERT_EQ(adv.sizes(), b.mask.sizes()) << "one advantage per token";
  const double n = b.mask.sum().item<double>();
  EXPECT_NEAR((adv * b.mask).sum().item<double>() / n, 0, 1e-5) << "whitened: mean 0";
  EXPECT_NEAR(((adv * b.mask).pow(2).sum() / (n - 1)).item<double>(), 1, 1e-3) << "whitened: variance 1";
  EXPECT_EQ((adv * (1 - b.mask)).abs().max().item<double>(), 0) << "nothing off the completion";
  EXPECT_EQ(old.abs().max().item<double>(), 0) << "the head starts at zero";
  const auto& ro = static_cast<RolloutSource*>(o.objective.own_data())->current().rollouts;
  for (int64_t i = 0; i < b.mask.size(0); ++i)
    for (int64_t j = 0; j < b.mask.size(1); ++j)
      if (b.mask[i][j].item<float>() > 0)
        ASSERT_NEAR(returns[i][j].item<double>(), ro[size_t(i)].reward, 1e-5) << "row " << i << " token " << j;
  // The value head is the model's: named, trained by the step's backward.
  auto params = o.model->named_parameters();
  ASSERT_TRUE(params.contains("value_head.weight"));
  auto& head = params["value_head.weight"];
  auto value_loss = [&] {
    for (const auto& [name, v] : o.objective.micro_batch(o.model, b, {}).values)
      if (name == "value_loss") return v;
    return -1.0;
  };
  const double before = value_loss();
  double want = 0;  // V = 0: 0.5 x the mean over tokens of the squared return
  for (int64_t i = 0; i < b.mask.size(0); ++i)
    want += 0.5 * ro[size_t(i)].reward * ro[size_t(i)].reward * b.mask[i].sum().item<double>();
  EXPECT_NEAR(before, want / n, 1e-5);
  auto optimizer = make_optimizer(o.model, o.e.train);
  for (int i = 0; i < 20; ++i) {
    optimizer->zero_grad();
    o.objective.micro_batch(o.model, b, {}).loss.backward();
    ASSERT_GT(head.grad().abs().sum().item<double>(), 0);
    optimizer->step();
  }
  EXPECT_LT(value_loss(), 0.5 * before) << "the head fits the returns";
  // A checkpoint keeps the head; a plain model (sample, eval, a later stage) loads it without.
  save_checkpoint(o.dir.path.string(), 1, *o.model, *optimizer);
  TransformerLM plain(o.e.model);
  EXPECT_EQ(load_model_weights(o.dir.path.string(), 1, *plain, torch::kCPU, [](const std::string&) {}), 1);
  EXPECT_TRUE(torch::equal(plain->embed->weight, o.model->embed->weight));
}
