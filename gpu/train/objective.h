// What a training stage optimises, as the shared step sees it (torchtitan's split of the
// trainer): the loss of one micro-batch and the values it adds to the step's metrics.
// Pretraining is the first objective (pretrain_objective.h); SFT, RL and distillation are
// further ones on the same step runner and loop.
#pragma once
#include "gpu/data/training_data.h"
#include "gpu/model/transformer.h"
#include "gpu/train/lm_loss.h"

#include <string>
#include <utility>
#include <vector>

namespace r1wb::gpu {

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

class Objective {
 public:
  virtual ~Objective() = default;
  //! The loss of one micro-batch (on the training device). `norm` says how this rank's
  //! shard of a larger batch is normalised.
  virtual MicroBatchResult micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) = 0;
};

}  // namespace r1wb::gpu
