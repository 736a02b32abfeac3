// Pretraining: next-token cross-entropy on completion tokens, the MTP module's loss and the
// routers' balance losses (lm_loss.h). Values: train/loss, and train/aux_loss for an MoE
// model, train/mtp_loss with multi-token prediction.
#pragma once
#include "gpu/train/objective.h"

namespace r1wb::gpu {

class PretrainObjective : public Objective {
 public:
  MicroBatchResult micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) override;
};

}  // namespace r1wb::gpu
