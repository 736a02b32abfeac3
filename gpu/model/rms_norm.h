// RMSNorm (Zhang & Sennrich 2019): x / rms(x) * weight. Checkpoint key: "weight".
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace r1wb::gpu {
class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // [..., dim] -> [..., dim]
  torch::Tensor weight;                           // [dim]
 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);
}  // namespace r1wb::gpu
