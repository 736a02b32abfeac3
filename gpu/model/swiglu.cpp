#include "gpu/model/swiglu.h"

namespace r1wb::gpu {
namespace F = torch::nn::functional;

SwiGLUImpl::SwiGLUImpl(int64_t d_model, int64_t hidden) {
  auto lin = [](int64_t in, int64_t out) { return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false)); };
  w_gate = register_module("w_gate", lin(d_model, hidden));
  w_up = register_module("w_up", lin(d_model, hidden));
  w_down = register_module("w_down", lin(hidden, d_model));
}

torch::Tensor SwiGLUImpl::forward(const torch::Tensor& x) { return w_down(F::silu(w_gate(x)) * w_up(x)); }
}  // namespace r1wb::gpu
