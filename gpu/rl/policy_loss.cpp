#include "gpu/rl/policy_loss.h"

#include <stdexcept>

namespace r1wb::gpu {

torch::Tensor grpo_advantages(const torch::Tensor& rewards, ScaleRewards scale, double eps) {
  const auto centred = rewards - rewards.mean(1, /*keepdim=*/true);
  switch (scale) {
    case ScaleRewards::Group: return centred / (rewards.std(1, /*unbiased=*/true, /*keepdim=*/true) + eps);
    case ScaleRewards::Batch: return centred / (rewards.std() + eps);
    case ScaleRewards::None: return centred;
  }
  return centred;
}

torch::Tensor rloo_advantages(const torch::Tensor& rewards) {
  const int64_t G = rewards.size(1);
  if (G < 2) throw std::invalid_argument("rloo: a group needs at least 2 completions");
  const auto others = (rewards.sum(1, /*keepdim=*/true) - rewards) / double(G - 1);
  return rewards - others;
}

torch::Tensor kl_per_token(const torch::Tensor& logp, const torch::Tensor& ref_logp, KlEstimator estimator) {
  const auto log_ratio = logp - ref_logp;  // log(p / q)
  switch (estimator) {
    case KlEstimator::K1: return log_ratio;
    case KlEstimator::K2: return 0.5 * log_ratio.pow(2);
    case KlEstimator::K3: return (-log_ratio).exp() + log_ratio - 1.0;  // q/p - log(q/p) - 1
  }
  return log_ratio;
}

ClippedObjective clipped_policy_loss(const torch::Tensor& logp, const torch::Tensor& old_logp,
                                     const torch::Tensor& advantages, const torch::Tensor& mask, double eps_low,
                                     double eps_high, bool sequence_ratio) {
  auto log_ratio = logp - old_logp;
  if (sequence_ratio) {
    const auto seq = (log_ratio * mask).sum(1, true) / mask.sum(1, true).clamp_min(1.0);  // [N, 1]
    // GSPO-token: every token's value is the sequence's ratio, its gradient that token's logp.
    log_ratio = seq.detach() + logp - logp.detach();
  }
  const auto ratio = log_ratio.exp();
  const auto a = advantages.dim() == 1 ? advantages.view({-1, 1}).expand_as(ratio) : advantages;
  const auto clipped = ratio.clamp(1.0 - eps_low, 1.0 + eps_high);
  ClippedObjective out;
  out.loss = -torch::min(ratio * a, clipped * a);
  const auto on = mask > 0;
  out.clip_low = (ratio < 1.0 - eps_low) & (a < 0) & on;
  out.clip_high = (ratio > 1.0 + eps_high) & (a > 0) & on;
  return out;
}

torch::Tensor reduce_loss(const torch::Tensor& per_token, const torch::Tensor& mask, LossReduction reduction,
                          double global_tokens, int64_t max_length) {
  const auto masked = per_token * mask;
  switch (reduction) {
    case LossReduction::Grpo: return (masked.sum(1) / mask.sum(1).clamp_min(1.0)).mean();
    case LossReduction::Bnpo: return masked.sum() / mask.sum().clamp_min(1.0);
    case LossReduction::Dapo:
      if (global_tokens <= 0) throw std::invalid_argument("dapo: the global batch's token count is needed");
      return masked.sum() / global_tokens;
    case LossReduction::DrGrpo:
      if (max_length <= 0) throw std::invalid_argument("dr_grpo: the maximum completion length is needed");
      // Dr. GRPO: a constant, sequences x max length, so long and short answers weigh alike.
      return masked.sum() / double(per_token.size(0) * max_length);
  }
  return masked.sum();
}

std::pair<torch::Tensor, torch::Tensor> gae(const torch::Tensor& rewards, const torch::Tensor& values,
                                            const torch::Tensor& mask, double gamma, double lambda) {
  const int64_t T = rewards.size(1);
  auto adv = torch::zeros_like(rewards);
  auto running = torch::zeros({rewards.size(0)}, rewards.options());
  for (int64_t t = T - 1; t >= 0; --t) {
    const auto m = mask.select(1, t);
    // The next value counts only while the sequence goes on past t.
    const auto next_on = t + 1 < T ? mask.select(1, t + 1) : torch::zeros_like(m);
    const auto next_value = values.select(1, t + 1) * (t + 1 < T ? next_on : torch::ones_like(m));
    const auto delta = rewards.select(1, t) + gamma * next_value - values.select(1, t);
    running = (delta + gamma * lambda * running * next_on) * m;
    adv.select(1, t).copy_(running);
  }
  return {adv, (adv + values.narrow(1, 0, T)) * mask};
}

torch::Tensor value_loss(const torch::Tensor& values, const torch::Tensor& old_values, const torch::Tensor& returns,
                         const torch::Tensor& mask, double clip) {
  auto loss = (values - returns).pow(2);
  if (clip > 0) {
    const auto clipped = old_values + (values - old_values).clamp(-clip, clip);
    loss = torch::max(loss, (clipped - returns).pow(2));
  }
  return 0.5 * (loss * mask).sum() / mask.sum().clamp_min(1.0);
}

}  // namespace r1wb::gpu
