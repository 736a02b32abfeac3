// LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning"): Adam's moments with
// decoupled weight decay, and each parameter tensor's update scaled by the trust ratio
// ||w|| / ||update|| (1 when either norm is 0), so every layer moves by a similar relative
// amount whatever its gradient scale:
//   m = b1 m + (1 - b1) g        v = b2 v + (1 - b2) g^2
//   u = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + wd * w
//   w = w - lr * ||w|| / ||u|| * u
// State and options are checkpointed through LibTorch's optimizer serialization.
#pragma once
#include <torch/optim/optimizer.h>
#include <torch/optim/serialize.h>

namespace r1wb::gpu {

struct LambOptions : public torch::optim::OptimizerCloneableOptions<LambOptions> {
  explicit LambOptions(double lr = 1e-3) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-6;
  TORCH_ARG(double, weight_decay) = 0.0;

 public:  // TORCH_ARG leaves the struct in a private section
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct LambParamState : public torch::optim::OptimizerCloneableParamState<LambParamState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, exp_avg);
  TORCH_ARG(torch::Tensor, exp_avg_sq);

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
};

class Lamb : public torch::optim::Optimizer {
 public:
  explicit Lamb(std::vector<torch::optim::OptimizerParamGroup> groups, LambOptions defaults = LambOptions())
      : Optimizer(std::move(groups), std::make_unique<LambOptions>(defaults)) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

}  // namespace r1wb::gpu
