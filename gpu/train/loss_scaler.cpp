#include "gpu/train/loss_scaler.h"

namespace r1wb::gpu {

LossScaler::LossScaler(bool enabled, double init_scale, double growth_factor, double backoff_factor,
                       int growth_interval)
    : enabled_(enabled), scale_(enabled ? init_scale : 1.0), growth_(growth_factor), backoff_(backoff_factor),
      interval_(growth_interval) {}

torch::Tensor LossScaler::scale_loss(const torch::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) const {
  if (!enabled_) return false;  // without fp16 the step's grad-norm check catches non-finite gradients
  torch::NoGradGuard no_grad;
  torch::Tensor bad;  // one flag on the device, read once
  for (const auto& p : params) {
    auto g = p.grad();
    if (!g.defined()) continue;
    if (enabled_) g.mul_(1.0 / scale_);
    auto b = g.isfinite().logical_not().any();
    bad = bad.defined() ? bad.logical_or(b) : b;
  }
  return bad.defined() && bad.item<bool>();
}

void LossScaler::update(bool found_inf) {
  if (!enabled_) return;
  if (found_inf) {
    scale_ *= backoff_;
    clean_steps_ = 0;
  } else if (++clean_steps_ >= interval_) {
    scale_ *= growth_;
    clean_steps_ = 0;
  }
}

}  // namespace r1wb::gpu
