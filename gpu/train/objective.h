// What a training stage optimises, as the shared step sees it (torchtitan's split of the
// trainer): the loss of one micro-batch and the values it adds to the step's metrics.
// Pretraining is the first objective (pretrain_objective.h), SFT the same one from a parent;
// RL (gpu/rl) and distillation are further ones on the same step runner and loop: an
// objective may bring its own batches (RL's rollouts) and records (evaluations).
#pragma once
#include "gpu/data/training_data.h"
#include "gpu/model/transformer.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/lm_loss.h"
#include "gpu/train/optimizer.h"

#include <string>
#include <utility>
#include <vector>

namespace r1wb::gpu {

struct StepStats;  // step_runner.h

//! What one micro-batch contributes to a step.
struct MicroBatchResult {
  torch::Tensor loss;  //!< [] what backward runs on, before the division by train.grad_accum
  //! Named values averaged over the micro-batches into the step's metrics and summed over
  //! data-parallel ranks (so each must already be normalised as a share of the global batch,
  //! see LossNorm). The first is the objective's loss: the non-finite guard, the curriculum
  //! and the progress line watch it.
  std::vector<std::pair<std::string, double>> values;
  std::vector<MoeLayerStats> moe;  //!< the routers' statistics of this forward
};

//! What the loop hands an objective when the run starts.
struct ObjectiveContext {
  const Experiment& experiment;
  TransformerLM model;  //!< with its starting weights (resumed, the parent's, or initialised)
  const Tokenizer& tokenizer;
  torch::Device device;
  EventSink& sink;
  int64_t resumed_at;  //!< the step the loop continues after (0 for a new run)
  const std::string& run_dir;
};

class Objective {
 public:
  virtual ~Objective() = default;
  //! Before the optimizer is made and a checkpoint is loaded: modules the objective trains
  //! beside the model (PPO's value head) are registered on it here, so the optimizer, the
  //! clipping, the data-parallel reduction and the checkpoints keep them with its weights.
  virtual void extend_model(TransformerLM& /*model*/, torch::Device /*device*/) {}
  //! Learning rates of those modules, as multiples of the scheduled one.
  virtual std::vector<LrScale> lr_scales() const { return {}; }
  //! Once, before the first step.
  virtual void start(const ObjectiveContext&) {}
  //! Batches the objective makes itself (RL samples its rollouts from the model being
  //! trained), or null: the experiment's data.
  virtual TrainingData* own_data() { return nullptr; }
  //! The loss of one micro-batch (on the training device). `norm` says how this rank's
  //! shard of a larger batch is normalised.
  virtual MicroBatchResult micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) = 0;
  //! After step s, before its checkpoint: the objective's own records (held-out evaluations,
  //! rollouts). `end` is the run's last step.
  virtual void after_step(const StepStats& /*s*/, int64_t /*end*/, EventSink& /*sink*/) {}
};

}  // namespace r1wb::gpu
