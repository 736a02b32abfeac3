// The formulas of the GRPO family and PPO, as plain tensor functions the RL objective
// composes (every choice the RL libraries argue about is one argument here):
//   advantages   GRPO (r - mean_group) / (std + eps) with scale_rewards group, batch or none
//                (Dr. GRPO); RLOO's leave-one-out baseline; PPO's GAE over a value head
//   KL           to a frozen reference, per token: k1 = log(p/q), k2 = (log(p/q))^2 / 2,
//                k3 = q/p - log(q/p) - 1 (Schulman's estimators; p the policy, q the reference)
//   clipping     min(ratio A, clip(ratio, 1 - eps_low, 1 + eps_high) A) per token (DAPO's
//                asymmetric clip), or GSPO's one ratio per sequence (the geometric mean)
//   reduction    grpo: mean over each sequence's tokens, then over sequences; bnpo: over the
//                tokens of the batch; dapo: over the tokens of the global batch (the caller
//                passes that count); dr_grpo: over sequences x the maximum completion length
// Shapes: per-token tensors are [N, T] with a [N, T] mask (1 on completion tokens); rewards
// are [P, G] (prompts x group members).
#pragma once
#include "core/config/config.h"  // ScaleRewards, KlEstimator, LossReduction: the rl section's choices

#include <torch/types.h>

namespace r1wb::gpu {

//! [P, G] advantages: r minus its group's mean, divided by the group's std (Group), the whole
//! batch's std (Batch) or not at all (None); the std is the unbiased one, as TRL computes it.
torch::Tensor grpo_advantages(const torch::Tensor& rewards, ScaleRewards scale, double eps = 1e-4);
//! [P, G] leave-one-out advantages: r_i minus the mean of the other G - 1 rewards.
torch::Tensor rloo_advantages(const torch::Tensor& rewards);
//! [N, T] per-token KL estimate from the policy's and the reference's log-probs.
torch::Tensor kl_per_token(const torch::Tensor& logp, const torch::Tensor& ref_logp, KlEstimator estimator);

struct ClippedObjective {
  torch::Tensor loss;       //!< [N, T] per-token -min(ratio A, clipped ratio A)
  torch::Tensor clip_low;   //!< [N, T] bool: ratio < 1 - eps_low with A < 0 (the clip bounds the objective)
  torch::Tensor clip_high;  //!< [N, T] bool: ratio > 1 + eps_high with A > 0
};
//! advantages [N] (one per sequence, broadcast over its tokens) or [N, T] (per token, PPO's). With `sequence_ratio` (GSPO)
//! every token of a sequence takes exp(mean over its masked tokens of logp - old_logp).
ClippedObjective clipped_policy_loss(const torch::Tensor& logp, const torch::Tensor& old_logp,
                                     const torch::Tensor& advantages, const torch::Tensor& mask, double eps_low,
                                     double eps_high, bool sequence_ratio = false);
//! [] the per-token values reduced as `reduction` says. `global_tokens` (dapo): the masked
//! tokens of the global batch (all micro-batches and ranks); `max_length` (dr_grpo): the
//! completion budget (the divisor is sequences x max_length).
torch::Tensor reduce_loss(const torch::Tensor& per_token, const torch::Tensor& mask, LossReduction reduction,
                          double global_tokens = 0, int64_t max_length = 0);

//! PPO's value loss, 0.5 (V - R)^2 over masked tokens, with the clipped V (old +- clip) taken
//! when it is worse (clip 0: unclipped).
torch::Tensor value_loss(const torch::Tensor& values, const torch::Tensor& old_values, const torch::Tensor& returns,
                         const torch::Tensor& mask, double clip);
//! Generalised advantage estimation over [N, T] rewards and values (values [N, T + 1], the last
//! the bootstrap, 0 for a finished sequence), masked: returns {advantages, returns}.
std::pair<torch::Tensor, torch::Tensor> gae(const torch::Tensor& rewards, const torch::Tensor& values,
                                            const torch::Tensor& mask, double gamma, double lambda);

}  // namespace r1wb::gpu
