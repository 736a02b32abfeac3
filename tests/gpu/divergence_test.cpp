// The distillation divergences (gpu/distill/divergence.h) against their definitions: forward
// and reverse KL summed by hand, GKD's JSD tending to forward KL / beta as beta -> 0 and to
// reverse KL / (1 - beta) as beta -> 1, symmetric at beta 0.5, zero with zero gradient when
// student and teacher agree, the T^2 scale, and no gradient into the teacher.
#include "gpu/distill/divergence.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using r1wb::DistillLoss;
using r1wb::gpu::token_divergence;

namespace {

torch::Tensor kl_by_hand(const torch::Tensor& a_logits, const torch::Tensor& b_logits) {
  const auto pa = torch::softmax(a_logits.to(torch::kFloat64), -1), pb = torch::softmax(b_logits.to(torch::kFloat64), -1);
  return (pa * (pa.log() - pb.log())).sum(-1);
}

}  // namespace

TEST(Divergence, ForwardAndReverseKlAreTheirDefinitions) {
  torch::manual_seed(1);
  const auto s = torch::randn({3, 5, 11}), t = torch::randn({3, 5, 11}) * 2;
  EXPECT_TRUE(torch::allclose(token_divergence(s, t, DistillLoss::ForwardKl, 1, 0).to(torch::kFloat64),
                              kl_by_hand(t, s), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(token_divergence(s, t, DistillLoss::ReverseKl, 1, 0).to(torch::kFloat64),
                              kl_by_hand(s, t), 1e-5, 1e-6));
  // At temperature T both distributions are of logits / T, and the loss is scaled by T^2.
  EXPECT_TRUE(torch::allclose(token_divergence(s, t, DistillLoss::ForwardKl, 2.5, 0).to(torch::kFloat64),
                              kl_by_hand(t / 2.5, s / 2.5) * 6.25, 1e-5, 1e-6));
}

TEST(Divergence, JsdRunsFromForwardKlToReverseKlWithBeta) {
  torch::manual_seed(2);
  const auto s = torch::randn({4, 7, 13}), t = torch::randn({4, 7, 13});
  // The definition, by hand in float64 at beta 0.3: beta KL(p || m) + (1 - beta) KL(q || m).
  const double b = 0.3;
  const auto p = torch::softmax(t.to(torch::kFloat64), -1), q = torch::softmax(s.to(torch::kFloat64), -1);
  const auto m = b * p + (1 - b) * q;
  const auto by_hand = b * (p * (p.log() - m.log())).sum(-1) + (1 - b) * (q * (q.log() - m.log())).sum(-1);
  EXPECT_TRUE(torch::allclose(token_divergence(s, t, DistillLoss::Jsd, 1, b).to(torch::kFloat64), by_hand, 1e-4, 1e-6));
  // Near the ends it is beta x forward KL and (1 - beta) x reverse KL, up to a term in beta^2.
  const double eps = 1e-3;
  const auto near0 = token_divergence(s, t, DistillLoss::Jsd, 1, eps) / eps;
  const auto near1 = token_divergence(s, t, DistillLoss::Jsd, 1, 1 - eps) / eps;
  EXPECT_TRUE(torch::allclose(near0, token_divergence(s, t, DistillLoss::ForwardKl, 1, 0), 0.05, 1e-3));
  EXPECT_TRUE(torch::allclose(near1, token_divergence(s, t, DistillLoss::ReverseKl, 1, 0), 0.05, 1e-3));
  // beta 0 and 1 are the limits themselves; 0.5 is the symmetric Jensen-Shannon divergence,
  // at most log 2.
  EXPECT_TRUE(torch::equal(token_divergence(s, t, DistillLoss::Jsd, 1, 0), token_divergence(s, t, DistillLoss::ForwardKl, 1, 0)));
  EXPECT_TRUE(torch::equal(token_divergence(s, t, DistillLoss::Jsd, 1, 1), token_divergence(s, t, DistillLoss::ReverseKl, 1, 0)));
  const auto half = token_divergence(s, t, DistillLoss::Jsd, 1, 0.5);
  EXPECT_TRUE(torch::allclose(half, token_divergence(t, s, DistillLoss::Jsd, 1, 0.5), 1e-5, 1e-6));
  EXPECT_LE(half.max().item<double>(), std::log(2.0) + 1e-6);
  EXPECT_GT(half.min().item<double>(), 0);
}

TEST(Divergence, ZeroWithZeroGradientWhereTheModelsAgreeAndNoneIntoTheTeacher) {
  torch::manual_seed(3);
  for (auto loss : {DistillLoss::ForwardKl, DistillLoss::ReverseKl, DistillLoss::Jsd}) {
    const auto base = torch::randn({2, 3, 9});
    auto s = base.clone().requires_grad_(true);
    auto t = base.clone().requires_grad_(true);
    const auto d = token_divergence(s, t, loss, 2, 0.3).sum();
    EXPECT_NEAR(d.item<double>(), 0, 1e-6);
    d.backward();
    EXPECT_LT(s.grad().abs().max().item<double>(), 1e-6);
    EXPECT_FALSE(t.grad().defined());  // the teacher is a target, never trained
    // Apart, the student's gradient is not zero.
    auto s2 = torch::randn({2, 3, 9}).requires_grad_(true);
    token_divergence(s2, base, loss, 2, 0.3).sum().backward();
    EXPECT_GT(s2.grad().abs().max().item<double>(), 1e-3);
  }
}
