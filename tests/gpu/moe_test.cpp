// Pins the MoE layer: the sorted, gathered dispatch equals the layer's definition computed
// one token and one expert at a time (forward and gradients) for every router setting, the
// capacity limit drops exactly the pairs the definition drops, and the aux-loss-free bias
// moves by gamma * sign(mean_load - load_i); infer(), the decode path, equals forward.
#include "tests/gpu/seeded.h"
#include "gpu/model/moe.h"
#include "core/config/config.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

MoeConfig moe_config(int experts, int k, int hidden) {
  MoeConfig c;
  c.num_experts = experts;
  c.top_k = k;
  c.expert_hidden = hidden;
  c.score_func = ScoreFunc::Softmax;
  return c;
}

// The definition of the layer: each token in order, each of its active slots in order; an
// expert that has used up its capacity drops the pair.
torch::Tensor naive_moe(MoeImpl& moe, const torch::Tensor& x) {
  auto r = moe.route(x);
  const auto& c = moe.cfg;
  const int64_t capacity =
      c.capacity_factor > 0 ? int64_t(std::ceil(c.capacity_factor * x.size(0) * c.top_k / double(c.num_experts))) : -1;
  std::vector<int64_t> used(c.num_experts, 0);
  std::vector<torch::Tensor> rows;
  for (int64_t t = 0; t < x.size(0); ++t) {
    auto xt = x[t].unsqueeze(0);
    auto y = torch::zeros({x.size(1)});
    for (int64_t j = 0; j < r.experts.size(1); ++j) {
      if (!r.active[t][j].item<bool>()) continue;
      const int64_t e = r.experts[t][j].item<int64_t>();
      if (capacity >= 0 && used[e]++ >= capacity) continue;
      y = y + r.weights[t][j] * moe.expert(e, xt, moe.shared_up(xt)).squeeze(0);
    }
    if (moe.shared) y = y + moe.shared(xt).squeeze(0);
    rows.push_back(y);
  }
  return torch::stack(rows);
}

std::vector<torch::Tensor> grads_of(MoeImpl& moe, const torch::Tensor& y, const torch::Tensor& target) {
  moe.zero_grad();
  (y - target).pow(2).sum().backward();
  std::vector<torch::Tensor> g;
  for (auto& p : moe.parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return g;
}

struct Case {
  const char* name;
  std::function<void(MoeConfig&)> set;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"softmax top-k renormalised (classic)", [](MoeConfig&) {}},
      {"softmax, not renormalised", [](MoeConfig& c) { c.renormalize = false; }},
      {"sigmoid, scaled 2.5, shared expert (V3)",
       [](MoeConfig& c) {
         c.score_func = ScoreFunc::Sigmoid, c.routed_scaling_factor = 2.5, c.num_shared_experts = 1;
       }},
      {"group-limited 3 groups, 2 of them",
       [](MoeConfig& c) { c.score_func = ScoreFunc::Sigmoid, c.n_groups = 3, c.topk_groups = 2; }},
      {"biased selection", [](MoeConfig& c) { c.bias_update_speed = 0.01; }},
      {"dynamic top-k", [](MoeConfig& c) { c.dynamic_k_max = 4, c.dynamic_entropy_threshold = 0.9; }},
      {"shared up-projection", [](MoeConfig& c) { c.shared_input_proj = true; }},
      {"capacity factor 0.75", [](MoeConfig& c) { c.capacity_factor = 0.75; }},
  };
  return all;
}

//! The 6-expert, top-2 layer of a case, with a selection bias that changes some choices.
Moe layer_of(const Case& tc) {
  auto cfg = moe_config(6, 2, 20);
  tc.set(cfg);
  Moe moe(cfg, 16);
  torch::NoGradGuard no_grad;
  moe->expert_bias.copy_(torch::randn({6}) * 0.05);
  return moe;
}

using MoeDispatch = r1wb::testing::Seeded;

}  // namespace

TEST_F(MoeDispatch, ForwardAndGradientsMatchNaiveReferenceForEveryRouterSetting) {
  for (const auto& tc : cases()) {
    SCOPED_TRACE(tc.name);
    auto moe = layer_of(tc);
    auto x = torch::randn({37, 16});
    auto target = torch::randn({37, 16});

    auto xf = x.clone().requires_grad_(true);
    auto fast = moe->forward(xf, 37).y;
    auto g_fast = grads_of(*moe, fast, target);
    auto xr = x.clone().requires_grad_(true);
    auto ref = naive_moe(*moe, xr);
    auto g_ref = grads_of(*moe, ref, target);

    EXPECT_TRUE(torch::allclose(fast, ref, 1e-5, 1e-6)) << (fast - ref).abs().max().item<float>();
    ASSERT_EQ(g_fast.size(), g_ref.size());
    for (size_t i = 0; i < g_fast.size(); ++i)
      EXPECT_TRUE(torch::allclose(g_fast[i], g_ref[i], 1e-4, 1e-5)) << "parameter " << i;
    EXPECT_TRUE(torch::allclose(xf.grad(), xr.grad(), 1e-4, 1e-5));
  }
}

TEST_F(MoeDispatch, InferEqualsForwardForEveryRouterSettingOnTheDenseAndTheDispatchPath) {
  // infer() runs every expert densely when tokens x experts <= 256 (a decode step), and the
  // dispatch above that; both must give forward's y.
  for (const auto& tc : cases()) {
    SCOPED_TRACE(tc.name);
    auto moe = layer_of(tc);
    torch::NoGradGuard no_grad;
    for (int64_t tokens : {1, 16, 43, 200}) {
      SCOPED_TRACE(tokens);
      const auto x = torch::randn({tokens, 16});
      const auto want = moe->forward(x, tokens).y, got = moe->infer(x);
      EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-6)) << (got - want).abs().max().item<float>();
    }
  }
}

TEST_F(MoeDispatch, CapacityDropsAndReportsTheOverflow) {
  auto cfg = moe_config(4, 2, 8);
  cfg.capacity_factor = 0.5;  // half the slots a perfectly balanced router would need
  Moe moe(cfg, 8);
  auto out = moe->forward(torch::randn({40, 8}), 40);
  // 40 tokens x 2 = 80 assignments; at most 4 x ceil(0.5 * 80 / 4) = 40 are kept.
  EXPECT_GE(out.dropped_frac.item<double>(), 0.5 - 1e-9);
  EXPECT_NEAR(out.load.sum().item<float>(), 1.0f, 1e-6) << "load counts the router's choices, kept or not";
}

TEST_F(MoeDispatch, UnusedExpertsAreSkippedWithoutError) {
  Moe moe(moe_config(8, 1, 4), 8);
  auto x = torch::randn({2, 8});  // at most 2 of 8 experts see a token
  auto out = moe->forward(x, 2);
  EXPECT_TRUE(torch::allclose(out.y, naive_moe(*moe, x), 1e-5, 1e-6));
  EXPECT_NEAR(out.load.sum().item<float>(), 1.0f, 1e-6);
}

TEST_F(MoeDispatch, ComputeMatchesEquivalentDenseWhenOneExpert) {
  Moe moe(moe_config(1, 1, 12), 8);
  auto x = torch::randn({5, 8});
  EXPECT_TRUE(torch::allclose(moe->forward(x, 5).y, moe->expert(0, x), 1e-6, 1e-6));
}

TEST_F(MoeDispatch, BiasMovesBySignOfLoadGapOnlyWhileTraining) {
  auto cfg = moe_config(4, 1, 8);
  cfg.bias_update_speed = 0.001;
  Moe moe(cfg, 8);
  auto x = torch::randn({64, 8});
  moe->eval();
  moe->forward(x, 64);
  moe->update_bias();
  EXPECT_TRUE(torch::equal(moe->expert_bias, torch::zeros({4}))) << "eval forwards do not count";

  moe->train();
  auto load = moe->forward(x, 64).load * 64.0;  // counts of the one step
  moe->forward(x, 64);                          // a second micro-batch of the same step
  moe->update_bias();
  auto expected = 0.001 * (load.mean() - load).sign();
  EXPECT_TRUE(torch::allclose(moe->expert_bias, expected, 0, 1e-9)) << moe->expert_bias << expected;
}
