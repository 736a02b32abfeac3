// The RL formulas on numbers computed by hand: GRPO advantages for each scale_rewards, RLOO,
// the three KL estimators, clipping on both sides (and that a clipped token has no
// gradient), GSPO's sequence ratio, each loss reduction, GAE with and without a mask, and
// PPO's clipped value loss.
#include "gpu/rl/policy_loss.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {
torch::Tensor t(std::vector<float> v, std::vector<int64_t> shape) { return torch::tensor(v).view(shape); }
void expect_near(const torch::Tensor& got, std::vector<float> want, double tol = 1e-5) {
  const auto g = got.contiguous().view({-1});
  ASSERT_EQ(g.numel(), int64_t(want.size()));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(g[int64_t(i)].item<double>(), want[i], tol) << "at " << i;
}
}  // namespace

TEST(PolicyLoss, GrpoAdvantagesForEachScaleRewards) {
  const auto r = t({1, 0, 0, 1, 1, 1, 1, 1}, {2, 4});
  // Group 1: mean 0.5, unbiased std sqrt(1/3) = 0.57735; group 2: all equal, advantage 0.
  const double g = 0.5 / (std::sqrt(1.0 / 3) + 1e-4);
  expect_near(grpo_advantages(r, ScaleRewards::Group), {float(g), -float(g), -float(g), float(g), 0, 0, 0, 0});
  // Batch: the std of all 8 rewards, sqrt(1.5 / 7) = 0.46291.
  const double b = 0.5 / (std::sqrt(1.5 / 7) + 1e-4);
  expect_near(grpo_advantages(r, ScaleRewards::Batch), {float(b), -float(b), -float(b), float(b), 0, 0, 0, 0});
  expect_near(grpo_advantages(r, ScaleRewards::None), {0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0});
}

TEST(PolicyLoss, RlooSubtractsTheMeanOfTheOthers) {
  expect_near(rloo_advantages(t({1, 0, 0, 1}, {1, 4})), {2.f / 3, -2.f / 3, -2.f / 3, 2.f / 3});
  expect_near(rloo_advantages(t({3, 1}, {1, 2})), {2, -2});
  EXPECT_THROW(rloo_advantages(t({1}, {1, 1})), std::invalid_argument);
}

TEST(PolicyLoss, KlEstimatorsK1K2K3) {
  const auto logp = t({-1, -2, -1}, {1, 3}), ref = t({-2, -1, -1}, {1, 3});
  expect_near(kl_per_token(logp, ref, KlEstimator::K1), {1, -1, 0});
  expect_near(kl_per_token(logp, ref, KlEstimator::K2), {0.5, 0.5, 0});
  // k3 = q/p - log(q/p) - 1: e^-1 + 1 - 1, e^1 - 1 - 1, 0; never negative.
  expect_near(kl_per_token(logp, ref, KlEstimator::K3), {float(std::exp(-1.0)), float(std::exp(1.0) - 2), 0});
}

TEST(PolicyLoss, ClippingOnBothSidesAndNoGradientThroughAClippedToken) {
  const auto old = torch::zeros({2, 3});
  const auto logp = t({float(std::log(1.5)), float(std::log(0.5)), float(std::log(1.1)), float(std::log(1.5)),
                       float(std::log(0.5)), float(std::log(1.1))},
                      {2, 3})
                        .requires_grad_();
  const auto adv = t({1, -1}, {2});
  const auto mask = torch::ones({2, 3});
  const auto out = clipped_policy_loss(logp, old, adv, mask, 0.2, 0.28);
  // A = +1: 1.5 clips at 1.28, 0.5 and 1.1 do not; A = -1: 1.5 does not clip, 0.5 clips at 0.8.
  expect_near(out.loss, {-1.28f, -0.5f, -1.1f, 1.5f, 0.8f, 1.1f});
  expect_near(out.clip_high.to(torch::kFloat32), {1, 0, 0, 0, 0, 0});
  expect_near(out.clip_low.to(torch::kFloat32), {0, 0, 0, 0, 1, 0});
  out.loss.sum().backward();
  // d/dlogp of -ratio A is -ratio A where unclipped, 0 where the clip holds the objective.
  expect_near(logp.grad(), {0, -0.5f, -1.1f, 1.5f, 0, 1.1f});
}

TEST(PolicyLoss, GspoTakesOneRatioPerSequence) {
  const auto logp = t({float(std::log(2.0)), 0, 5}, {1, 3}).requires_grad_();
  const auto mask = t({1, 1, 0}, {1, 3});  // the third token is padding
  const auto out = clipped_policy_loss(logp, torch::zeros({1, 3}), t({-1}, {1}), mask, 0.2, 0.28, true);
  // The geometric mean of 2 and 1 is sqrt(2) = 1.41421 for both tokens; A < 0 does not clip above.
  const float s = float(std::sqrt(2.0));
  expect_near(out.loss.narrow(1, 0, 2), {s, s});
  (out.loss * mask).sum().backward();
  expect_near(logp.grad(), {s, s, 0});
}

TEST(PolicyLoss, EachLossReduction) {
  const auto v = t({1, 2, 3, 4, 7, 7}, {2, 3}), mask = t({1, 1, 1, 1, 0, 0}, {2, 3});
  EXPECT_NEAR(reduce_loss(v, mask, LossReduction::Grpo).item<double>(), (6.0 / 3 + 4.0) / 2, 1e-6);
  EXPECT_NEAR(reduce_loss(v, mask, LossReduction::Bnpo).item<double>(), 10.0 / 4, 1e-6);
  EXPECT_NEAR(reduce_loss(v, mask, LossReduction::Dapo, 8).item<double>(), 10.0 / 8, 1e-6);
  EXPECT_NEAR(reduce_loss(v, mask, LossReduction::DrGrpo, 0, 5).item<double>(), 10.0 / (2 * 5), 1e-6);
  EXPECT_THROW(reduce_loss(v, mask, LossReduction::Dapo), std::invalid_argument);
  EXPECT_THROW(reduce_loss(v, mask, LossReduction::DrGrpo), std::invalid_argument);
}

TEST(PolicyLoss, GaeWithAndWithoutAMask) {
  const auto rewards = t({0, 0, 1}, {1, 3}), values = t({0.5, 0.6, 0.7, 0}, {1, 4}), all = torch::ones({1, 3});
  auto [a1, r1] = gae(rewards, values, all, 1.0, 1.0);
  expect_near(a1, {0.5, 0.4, 0.3});  // gamma = lambda = 1: the return minus the value
  auto [a2, r2] = gae(rewards, values, all, 0.9, 0.5);
  // delta2 = 0.3; delta1 = 0.9 * 0.7 - 0.6 = 0.03, A1 = 0.03 + 0.45 * 0.3; delta0 = 0.04, A0 = 0.04 + 0.45 A1.
  expect_near(a2, {0.11425f, 0.165f, 0.3f});
  expect_near(r2, {0.61425f, 0.765f, 1.0f});
  // A sequence that ends at t = 1: what lies after it (values 9) is never read.
  auto [a3, r3] = gae(t({0, 1, 0}, {1, 3}), t({0.5, 0.6, 9, 9}, {1, 4}), t({1, 1, 0}, {1, 3}), 1.0, 1.0);
  expect_near(a3, {0.5, 0.4, 0});
}

TEST(PolicyLoss, GaeStartsAfterThePrompt) {
  // A training row: a prompt position (mask 0, its value never read), then three completion
  // tokens, the reward on the last; gamma = lambda = 1.
  auto [a, r] = gae(t({0, 0, 0, 1}, {1, 4}), t({9, 0.5, 0.6, 0.7, 0}, {1, 5}), t({0, 1, 1, 1}, {1, 4}), 1.0, 1.0);
  expect_near(a, {0, 0.5, 0.4, 0.3});
  expect_near(r, {0, 1, 1, 1});
}

TEST(PolicyLoss, PerTokenAdvantagesClipTokenByToken) {
  // PPO's advantages differ along a sequence: each token clips on its own advantage's side.
  const auto logp = t({float(std::log(1.5)), float(std::log(1.5))}, {1, 2});
  const auto out = clipped_policy_loss(logp, torch::zeros({1, 2}), t({1, -1}, {1, 2}), torch::ones({1, 2}), 0.2, 0.2);
  expect_near(out.loss, {-1.2f, 1.5f});
  expect_near(out.clip_high.to(torch::kFloat32), {1, 0});
}

TEST(PolicyLoss, ValueLossTakesTheWorseOfClippedAndUnclipped) {
  const auto v = t({2}, {1, 1}), old = t({1}, {1, 1}), ret = t({3}, {1, 1}), m = torch::ones({1, 1});
  EXPECT_NEAR(value_loss(v, old, ret, m, 0.5).item<double>(), 0.5 * 2.25, 1e-6);  // clipped V 1.5
  EXPECT_NEAR(value_loss(v, old, ret, m, 0).item<double>(), 0.5, 1e-6);
}
