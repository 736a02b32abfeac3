// The RL stage's objective on the shared step (step_runner.h): the GRPO family and PPO as the
// rl section configures them. Its batches are rollouts (rollouts.h) sampled from the policy
// being trained; the loss per micro-batch is the clipped policy-gradient loss (policy_loss.h)
// on the completion tokens, plus beta x the KL to a frozen reference (kept only when beta > 0,
// refreshed every rl.ref_refresh_every steps; PPO puts it in the reward instead), plus PPO's
// value loss (value_critic.h, rl.advantage gae), plus the routers' balance losses, so MoE
// balancing (aux loss, sequence-wise loss, the aux-loss-free bias update) keeps working on
// RL batches and the routing views update as in pretraining.
//
// Held-out evaluation (evaluation.h) runs before the first step, every rl.eval_every steps
// and at the end. A reference that is refreshed is not kept in checkpoints: a resumed run
// takes the resumed policy as its reference and says so.
#pragma once
#include "gpu/rl/evaluation.h"
#include "gpu/rl/rollouts.h"
#include "gpu/rl/value_critic.h"
#include "gpu/train/objective.h"

#include <memory>

namespace r1wb::gpu {

class RlObjective : public Objective {
 public:
  explicit RlObjective(const Experiment& experiment);
  void extend_model(TransformerLM& model, torch::Device device) override;
  std::vector<LrScale> lr_scales() const override;
  void start(const ObjectiveContext& context) override;
  TrainingData* own_data() override { return rollouts_.get(); }
  MicroBatchResult micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) override;
  void after_step(const StepStats& s, int64_t end, EventSink& sink) override;

 private:
  void run_eval(int64_t step, EventSink& sink);
  //! The rollouts the last step trained on, as a record.
  wire::Rollouts rollouts_record(int64_t step) const;
  void refresh_reference();

  Experiment e_;
  TransformerLM policy_{nullptr}, reference_{nullptr};
  const Tokenizer* tokenizer_ = nullptr;
  std::unique_ptr<RolloutSource> rollouts_;
  std::unique_ptr<ValueCritic> critic_;  //!< rl.advantage gae
  EvalOptions eval_;
};

}  // namespace r1wb::gpu
