// Dynamic loss scaling for fp16 training, with PyTorch GradScaler's defaults: the loss is
// multiplied by the scale (start 2^16) before backward; gradients are divided by it before
// clipping; a step whose gradients hold an inf or NaN is skipped and the scale halved; after
// 2000 clean steps in a row the scale doubles. The scale is a metric and part of checkpoints
// (trainer.json), so a resumed run continues with it.
#pragma once
#include <torch/types.h>

#include <vector>

namespace r1wb::gpu {

class LossScaler {
 public:
  explicit LossScaler(bool enabled, double init_scale = 65536.0, double growth_factor = 2.0,
                      double backoff_factor = 0.5, int growth_interval = 2000);
  bool enabled() const { return enabled_; }
  double scale() const { return scale_; }
  void set_state(double scale, int clean_steps) { scale_ = scale, clean_steps_ = clean_steps; }
  int clean_steps() const { return clean_steps_; }

  //! The loss to call backward() on.
  torch::Tensor scale_loss(const torch::Tensor& loss) const;
  //! Divides every gradient by the scale; true when any of them is not finite.
  bool unscale(const std::vector<torch::Tensor>& params) const;
  //! After a step: backs off on overflow, grows after growth_interval clean steps.
  void update(bool found_inf);

 private:
  bool enabled_;
  double scale_, growth_, backoff_;
  int interval_, clean_steps_ = 0;
};

}  // namespace r1wb::gpu
