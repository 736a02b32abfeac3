#include "gpu/distill/divergence.h"

#include <cmath>
#include <stdexcept>

namespace r1wb::gpu {
namespace {

//! KL(a || b) over the last dimension from log-probabilities.
torch::Tensor kl(const torch::Tensor& log_a, const torch::Tensor& log_b) {
  return (log_a.exp() * (log_a - log_b)).sum(-1);
}

}  // namespace

torch::Tensor token_divergence(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                               DistillLoss loss, double T, double beta) {
  const auto log_q = torch::log_softmax(student_logits.to(torch::kFloat32) / T, -1);
  const auto log_p = torch::log_softmax(teacher_logits.detach().to(torch::kFloat32) / T, -1);
  torch::Tensor d;
  switch (loss) {
    case DistillLoss::ForwardKl: d = kl(log_p, log_q); break;
    case DistillLoss::ReverseKl: d = kl(log_q, log_p); break;
    case DistillLoss::Jsd:
      if (beta <= 0) {
        d = kl(log_p, log_q);
      } else if (beta >= 1) {
        d = kl(log_q, log_p);
      } else {
        // log m = logsumexp(log p + log beta, log q + log(1 - beta)), stable for any p and q
        const auto log_m = torch::logsumexp(torch::stack({log_p + std::log(beta), log_q + std::log1p(-beta)}), 0);
        d = beta * kl(log_p, log_m) + (1 - beta) * kl(log_q, log_m);
      }
      break;
    case DistillLoss::Ce: throw std::logic_error("token_divergence: ce is not a divergence");
  }
  return d * (T * T);
}

}  // namespace r1wb::gpu
