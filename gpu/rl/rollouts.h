// RL's batches: rollouts sampled from the model being trained. Each step's global batch is
// train.batch_size x train.grad_accum completions, rl.group_size per prompt; a new batch is
// sampled every rl.iterations steps (the steps between reuse it, against the log-probs it was
// sampled with). Prompts come from the task's training split (never a held-out one) at the
// curriculum's difficulties, and sampling is seeded by (data.seed, step), so a resumed run
// samples what it would have (given the same weights).
//
// A rollout batch scores every completion (reward_components.h), computes the advantages
// (GRPO's or RLOO's), and lays the completions out as training rows, prompt then completion,
// with the loss mask on completion tokens. Its rows tensors, per row:
//   advantage   [N]     the completion's advantage
//   sample_logp [N, W]  the sampler's log-probs of the completion tokens (0 elsewhere)
//   old_logp    [N, W]  the policy's at sampling time (rl.iterations > 1; else the policy's own)
//   ref_logp    [N, W]  the reference model's (rl.beta > 0)
// DAPO's dynamic sampling replaces groups whose completions are all right or all wrong. With
// rl.advantage gae the per-completion advantage is the reward, rewritten per token by PPO's
// critic (value_critic.h) through on_sampled.
#pragma once
#include "core/config/config.h"
#include "core/tasks/reward_components.h"
#include "gpu/data/training_data.h"
#include "gpu/sample/sampler.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace r1wb::gpu {

struct Rollout {
  std::string prompt;
  Completion completion;
  RewardComponents components;
  double reward = 0;
  double advantage = 0;
};

//! What a rollout batch says about itself: the telemetry of the step that sampled it.
struct RolloutStats {
  double reward_mean = 0, reward_std = 0;
  std::vector<double> component_mean, component_std;  //!< reward_component_names() order
  double frac_reward_zero_std = 0;                    //!< groups whose rewards are all equal
  double mean_length = 0, min_length = 0, max_length = 0, clipped_ratio = 0;
  double entropy = 0;           //!< mean over sampled tokens
  double resampled_groups = 0;  //!< dynamic sampling: groups drawn beyond the batch's
  double sample_ms = 0;         //!< wall time of the sampling and scoring
  double sampled_tokens_per_s = 0;
  double value_mean = 0, value_explained_var = 0;  //!< PPO's critic (value_critic.h)
};

struct RolloutBatch {
  int64_t step = 0;                 //!< the step that sampled it
  std::vector<Rollout> rollouts;    //!< groups back to back, rl.group_size each
  Batch batch;                      //!< every row; rows tensors as above
  double completion_tokens = 0;     //!< masked tokens of the whole batch (dapo's divisor)
  std::vector<int64_t> row_tokens;  //!< real (unpadded) positions of each row
  RolloutStats stats;
};

class RolloutSource : public TrainingData {
 public:
  //! `reference` undefined: no KL (rl.beta 0). Both models outlive the source.
  RolloutSource(const Experiment& experiment, TransformerLM policy, const Tokenizer& tokenizer,
                TransformerLM reference);
  //! Micro-batch `micro` of step `step`'s rows, sampling a new batch first when due.
  Batch batch(int64_t step, int micro, const DifficultyMix& mix) override;
  //! The batch the last step trained on.
  const RolloutBatch& current() const { return current_; }
  //! Called on every freshly sampled batch before it is trained on (PPO's critic rewrites
  //! the advantages per token).
  void on_sampled(std::function<void(RolloutBatch&)> fn) { on_sampled_ = std::move(fn); }

 private:
  RolloutBatch sample(int64_t step, const DifficultyMix& mix);

  const Experiment& e_;
  TransformerLM policy_, reference_;
  const Tokenizer& tokenizer_;
  RolloutBatch current_;
  bool sampled_ = false;
  std::function<void(RolloutBatch&)> on_sampled_;
};

//! `per_pass(output, first, n)` on rows [first, first + n) of `input`, `rows_per_pass` at a
//! time, in eval mode (no balancing counts) and without autograd; the results joined on the CPU.
torch::Tensor forward_in_passes(TransformerLM& model, const torch::Tensor& input, int64_t rows_per_pass,
                                const std::function<torch::Tensor(const LMOutput&, int64_t, int64_t)>& per_pass);

//! Log-probs [N, W] of `target` under logits [N, W, V] / temperature (what the sampler drew from).
torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& target, double temperature);

}  // namespace r1wb::gpu
