// The training objective of one micro-batch: cross-entropy on completion tokens (the loss
// mask), plus mtp_weight times the MTP module's cross-entropy on the token after next, plus
// the router's weighted balance and z losses. Shared by the trainer and bench.
#pragma once
#include "gpu/data/training_data.h"
#include "gpu/model/transformer.h"

namespace r1wb::gpu {

struct MicroBatchLoss {
  torch::Tensor loss;      //!< [] what backward() runs on
  torch::Tensor lm_loss;   //!< [] mean cross-entropy over masked tokens
  torch::Tensor mtp_loss;  //!< [] the MTP module's cross-entropy on the token after next; undefined if off
  LMOutput out;
};

//! How a shard of a larger batch is normalised (data parallel): cross-entropies are divided
//! by the whole batch's masked token counts and the router losses weighted by the shard's
//! share, so the ranks' gradients sum to the whole batch's. The defaults mean "the whole batch".
struct LossNorm {
  double tokens = 0;        //!< masked tokens of the whole batch; 0: this batch's own
  double mtp_tokens = 0;    //!< the same for the MTP targets (positions 1..T-1)
  double router_share = 1;  //!< weight of this shard's router losses
};

MicroBatchLoss micro_batch_loss(TransformerLM& model, const Batch& batch, const LossNorm& norm = {});

}  // namespace r1wb::gpu
