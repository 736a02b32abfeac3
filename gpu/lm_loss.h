// The training objective of one micro-batch: cross-entropy on completion tokens (the loss
// mask), plus mtp_weight times the MTP module's cross-entropy on the token after next, plus
// the router's weighted balance and z losses. Shared by the trainer and bench.
#pragma once
#include "gpu/synthetic_data.h"
#include "gpu/transformer.h"

namespace r1wb::gpu {

struct MicroBatchLoss {
  torch::Tensor loss;     //!< [] what backward() runs on
  torch::Tensor lm_loss;  //!< [] mean cross-entropy over masked tokens
  torch::Tensor mtp_loss; //!< [] the MTP module's cross-entropy on the token after next; undefined if off
  LMOutput out;
};

MicroBatchLoss micro_batch_loss(TransformerLM& model, const Batch& batch);

}  // namespace r1wb::gpu
