// The per-token divergences logit distillation minimises between the teacher's next-token
// distribution p (teacher logits / T) and the student's q (student logits / T):
//   forward_kl  KL(p || q), Hinton et al.'s soft targets: mass where the teacher has it
//   reverse_kl  KL(q || p), MiniLLM: mode-seeking, the student does not spread over what the
//               teacher finds unlikely
//   jsd         GKD's generalised Jensen-Shannon divergence with beta (Agarwal et al. 2024):
//               beta KL(p || m) + (1 - beta) KL(q || m), m = beta p + (1 - beta) q; beta 0 is
//               taken as forward KL and 1 as reverse KL, the limits TRL's GKD trainer uses
// Each is multiplied by T^2 so the gradient's size does not shrink as T grows (Hinton). The
// teacher's logits carry no gradient. Computed in float32 whatever the autocast dtype.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

//! [..., V] logits of both models -> [...] divergence per position (nats x T^2).
//! loss must not be DistillLoss::Ce.
torch::Tensor token_divergence(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                               DistillLoss loss, double temperature, double beta);

}  // namespace r1wb::gpu
