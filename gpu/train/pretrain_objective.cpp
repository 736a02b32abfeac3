#include "gpu/train/pretrain_objective.h"

#include "core/wire/telemetry.h"

namespace r1wb::gpu {

MicroBatchResult PretrainObjective::micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) {
  MicroBatchLoss mb = micro_batch_loss(model, batch, norm);
  MicroBatchResult r;
  r.loss = mb.loss;
  r.values.emplace_back(telemetry::kLoss, mb.lm_loss.item<double>());
  if (!mb.out.moe.empty())
    r.values.emplace_back(telemetry::kAuxLoss, norm.router_share * mb.out.aux_loss.item<double>());
  if (mb.mtp_loss.defined()) r.values.emplace_back(telemetry::kMtpLoss, mb.mtp_loss.item<double>());
  r.moe = std::move(mb.out.moe);
  return r;
}

}  // namespace r1wb::gpu
