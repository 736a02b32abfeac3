#include "gpu/model/init.h"

#include <cmath>

namespace r1wb::gpu {

double residual_init_std(int n_layers) { return kInitStd / std::sqrt(2.0 * n_layers); }

torch::nn::Linear init_linear(int64_t in, int64_t out, double std) {
  torch::nn::Linear l(torch::nn::LinearOptions(in, out).bias(false));
  torch::NoGradGuard no_grad;
  l->weight.normal_(0.0, std);
  return l;
}

torch::Tensor init_normal(torch::IntArrayRef shape, double std) { return torch::randn(shape) * std; }

}  // namespace r1wb::gpu
