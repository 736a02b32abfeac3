// Pins the router's formulas against hand-computed values: DeepSeek-V3's sigmoid gate
// (weights from unbiased scores, renormalised, scaled), biased selection, group-limited
// routing, dynamic top-k, and the three auxiliary losses.
#include "gpu/model/router.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

MoeConfig config(const char* score, int experts, int k) {
  MoeConfig c;
  c.num_experts = experts;
  c.top_k = k;
  c.score_func = *parse_enum<ScoreFunc>(score);
  return c;
}

std::vector<int64_t> row_ids(const torch::Tensor& ids, int64_t row) {
  auto r = std::get<0>(ids[row].sort());
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

}  // namespace

TEST(Router, SigmoidWeightsAreUnbiasedScoresRenormalisedAndScaled) {
  auto c = config("sigmoid", 4, 2);
  c.routed_scaling_factor = 2.5;
  auto logits = torch::tensor({{2.0f, -1.0f, 0.5f, 0.0f}});
  auto r = route(c, logits, {});
  EXPECT_EQ(row_ids(r.experts, 0), (std::vector<int64_t>{0, 2}));
  const double s0 = 1 / (1 + std::exp(-2.0)), s2 = 1 / (1 + std::exp(-0.5));
  EXPECT_NEAR(r.weights[0][0].item<double>(), 2.5 * s0 / (s0 + s2), 1e-6);
  EXPECT_NEAR(r.weights[0][1].item<double>(), 2.5 * s2 / (s0 + s2), 1e-6);
}

TEST(Router, BiasChangesTheChoiceButNotTheWeights) {
  auto c = config("sigmoid", 4, 1);
  c.renormalize = false;
  auto logits = torch::tensor({{2.0f, -1.0f, 0.5f, 0.0f}});
  auto bias = torch::tensor({0.0f, 0.0f, 0.0f, 1.0f});  // pushes expert 3 to the top
  auto r = route(c, logits, bias);
  EXPECT_EQ(r.experts[0][0].item<int64_t>(), 3);
  EXPECT_NEAR(r.weights[0][0].item<double>(), 0.5, 1e-6) << "sigmoid(0), not sigmoid(0) + bias";
}

TEST(Router, SoftmaxWithoutRenormalisationKeepsTheProbabilities) {
  auto c = config("softmax", 3, 2);
  c.renormalize = false;
  auto logits = torch::tensor({{1.0f, 2.0f, 3.0f}});
  auto r = route(c, logits, {});
  auto p = logits.softmax(-1);
  EXPECT_NEAR(r.weights.sum().item<double>(), (p[0][1] + p[0][2]).item<double>(), 1e-6);
}

TEST(Router, GroupLimitedRoutingPicksFromTheGroupsWithTheBestTopTwoSums) {
  // 8 experts in 4 groups of 2. Group sums: g0 0.9+0.0, g1 0.55+0.45, g2 0.8+0.05, g3 0.1+0.1.
  // With topk_groups 2 the groups are g1 (1.0) and g0 (0.9), not g2 although expert 4 beats expert 2.
  auto c = config("sigmoid", 8, 2);
  c.n_groups = 4;
  c.topk_groups = 2;
  c.renormalize = false;
  auto scores = torch::tensor({{0.9f, 0.0f, 0.55f, 0.45f, 0.8f, 0.05f, 0.1f, 0.1f}});
  auto logits = torch::log(scores / (1 - scores)).clamp(-30, 30);  // sigmoid^-1
  auto r = route(c, logits, {});
  EXPECT_EQ(row_ids(r.experts, 0), (std::vector<int64_t>{0, 2})) << r.experts;
  c.n_groups = 1;
  c.topk_groups = 1;
  EXPECT_EQ(row_ids(route(c, logits, {}).experts, 0), (std::vector<int64_t>{0, 4})) << "without groups";
}

TEST(Router, DynamicTopKGivesUncertainTokensMoreExperts) {
  auto c = config("softmax", 4, 1);
  c.dynamic_k_max = 3;
  c.dynamic_entropy_threshold = 0.8;
  auto logits = torch::tensor({{8.0f, 0.0f, 0.0f, 0.0f},     // confident: entropy near 0
                               {0.1f, 0.0f, 0.05f, 0.0f}});  // uncertain: entropy near 1
  auto r = route(c, logits, {});
  EXPECT_EQ(r.active[0].sum().item<int64_t>(), 1);
  EXPECT_EQ(r.active[1].sum().item<int64_t>(), 3);
  EXPECT_NEAR(r.weights[0].sum().item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(r.weights[1].sum().item<double>(), 1.0, 1e-6);
  EXPECT_EQ(assignment_counts(r, 4).sum().item<float>(), 4.0f);
  EXPECT_LT(r.entropy[0].item<float>(), 0.1f);
  EXPECT_GT(r.entropy[1].item<float>(), 0.99f);
}

TEST(Router, BalanceLossesAreOneAtPerfectBalanceAndFollowTheirFormulas) {
  auto c = config("softmax", 2, 1);
  // Two sequences of two tokens. Sequence 0 sends both tokens to expert 0; sequence 1 one each.
  auto logits = torch::tensor({{2.0f, 0.0f}, {1.0f, 0.0f}, {3.0f, 0.0f}, {0.0f, 1.0f}});
  auto r = route(c, logits, {});
  auto p = logits.softmax(-1);
  // Batch: f = (3/4, 1/4), P = mean of p over the 4 tokens.
  auto P = p.mean(0);
  EXPECT_NEAR(batch_balance_loss(r, assignment_counts(r, 2)).item<double>(),
              2 * (0.75 * P[0] + 0.25 * P[1]).item<double>(), 1e-6);
  // Sequence-wise: f_i = E / (K T) * count_i -> seq 0 (2, 0), seq 1 (1, 1); P per sequence.
  auto P0 = p.narrow(0, 0, 2).mean(0), P1 = p.narrow(0, 2, 2).mean(0);
  const double l0 = (2 * P0[0]).item<double>(), l1 = (P1[0] + P1[1]).item<double>();
  EXPECT_NEAR(sequence_balance_loss(r, 2, 2).item<double>(), (l0 + l1) / 2, 1e-6);
  // z-loss: mean of logsumexp^2.
  EXPECT_NEAR(router_z_loss(r).item<double>(), logits.logsumexp(-1).pow(2).mean().item<double>(), 1e-6);

  auto balanced = route(c, torch::zeros({4, 2}), {});  // uniform scores, ties go to expert 0
  auto even = route(c, torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}}), {});
  EXPECT_NEAR(batch_balance_loss(even, assignment_counts(even, 2)).item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(sequence_balance_loss(even, 2, 2).item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(batch_balance_loss(balanced, assignment_counts(balanced, 2)).item<double>(), 1.0, 1e-6)
      << "uniform P makes f irrelevant";
}
