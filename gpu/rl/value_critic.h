// PPO's critic (rl.advantage gae), as TRL's value-head model builds it: a linear value head on
// the policy's last hidden state (after the final norm), sharing the policy's trunk, its loss
// weighted by rl.value_coef, learning at rl.value_lr (the policy's schedule, scaled). The
// head is registered on the model as "value_head", so the optimizer, gradient clipping, the
// data-parallel reduction and checkpoints keep it like any weight; a plain model loading such
// a checkpoint (sample, eval, a later stage) ignores it.
// It starts at zero: the first values are 0 and the first advantages R - 0, whitened.
//
// On each freshly sampled batch the critic replaces the per-completion advantages with
// per-token ones: the shaped reward on each completion's last token, -beta x the KL to the
// reference (rl.kl_estimator) on every token as in InstructGPT and DeepSeekMath's PPO,
// generalised advantage estimation (policy_loss.h) over the values at sampling time, then
// whitened over the batch's completion tokens. Rows it adds (rollouts.h lists the others):
//   advantage   [N, W]  per token (replacing the per-completion [N])
//   old_values  [N, W]  the values at sampling time (the value clip's centre)
//   returns     [N, W]  the advantage before whitening plus the value: the value's target
#pragma once
#include "core/config/config.h"
#include "gpu/model/transformer.h"
#include "gpu/rl/rollouts.h"

namespace r1wb::gpu {

class ValueCritic {
 public:
  static constexpr const char* kPrefix = "value_head.";  //!< its parameters' names on the model
  explicit ValueCritic(const Experiment& experiment);
  //! Registers the head on `model` (before its optimizer is made and a checkpoint loaded).
  void attach(TransformerLM& model, torch::Device device);
  //! [N, W] values of `hidden` [N, W, D], the hidden states of `model`'s forward.
  torch::Tensor values(TransformerLM& model, const torch::Tensor& hidden);
  //! Rewrites a freshly sampled batch's advantage rows as above (and its stats' value_mean and
  //! value_explained_var); `policy` runs without autograd.
  void prepare(RolloutBatch& batch, TransformerLM& policy);
  //! [] the clipped value loss of micro-batch `b` (masked mean over its completion tokens).
  torch::Tensor loss(TransformerLM& model, const torch::Tensor& hidden, const Batch& b);

 private:
  const RlConfig& rl_;
  int64_t rows_per_pass_;
  torch::nn::Linear head_{nullptr};
};

}  // namespace r1wb::gpu
