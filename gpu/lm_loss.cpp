#include "gpu/lm_loss.h"

namespace r1wb::gpu {
namespace F = torch::nn::functional;

MicroBatchLoss micro_batch_loss(TransformerLM& model, const Batch& b) {
  MicroBatchLoss r;
  r.out = model->forward(b.input);
  auto ce = F::cross_entropy(r.out.logits.reshape({-1, r.out.logits.size(-1)}), b.target.reshape({-1}),
                             F::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto mask = b.mask.reshape({-1});
  r.lm_loss = (ce * mask).sum() / mask.sum().clamp_min(1.0);
  r.loss = r.lm_loss + r.out.router_loss;
  return r;
}

}  // namespace r1wb::gpu
