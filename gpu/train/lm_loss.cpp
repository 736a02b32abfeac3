#include "gpu/train/lm_loss.h"

namespace r1wb::gpu {
namespace F = torch::nn::functional;

namespace {
// Mean cross-entropy of logits [B, T, V] against targets [B, T] over the mask [B, T].
// Divided by `tokens` when given, else by the mask's own count.
torch::Tensor masked_ce(const torch::Tensor& logits, const torch::Tensor& target, const torch::Tensor& mask,
                        double tokens) {
  auto ce = F::cross_entropy(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}),
                             F::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto m = mask.reshape({-1});
  return tokens > 0 ? (ce * m).sum() / tokens : (ce * m).sum() / m.sum().clamp_min(1.0);
}
}  // namespace

MicroBatchLoss micro_batch_loss(TransformerLM& model, const Batch& b, const LossNorm& norm) {
  MicroBatchLoss r;
  r.out = model->forward(b.input);
  r.lm_loss = masked_ce(r.out.logits, b.target, b.mask, norm.tokens);
  r.loss = r.lm_loss + norm.router_share * r.out.router_loss;
  if (r.out.mtp_logits.defined()) {
    const int64_t T = b.target.size(1);
    r.mtp_loss = masked_ce(r.out.mtp_logits, b.target.narrow(1, 1, T - 1), b.mask.narrow(1, 1, T - 1), norm.mtp_tokens);
    r.loss = r.loss + model->cfg.mtp_weight * r.mtp_loss;
  }
  return r;
}

}  // namespace r1wb::gpu
