#include "gpu/model/swiglu.h"

#include "gpu/model/init.h"

namespace r1wb::gpu {
namespace F = torch::nn::functional;

SwiGLUImpl::SwiGLUImpl(int64_t d_model, int64_t hidden, double out_std) {
  w_gate = register_module("w_gate", init_linear(d_model, hidden));
  w_up = register_module("w_up", init_linear(d_model, hidden));
  w_down = register_module("w_down", init_linear(hidden, d_model, out_std));
}

torch::Tensor SwiGLUImpl::forward(const torch::Tensor& x) {
  return apply_linear(w_down, F::silu(apply_linear(w_gate, x, hooks)) * apply_linear(w_up, x, hooks), hooks);
}
}  // namespace r1wb::gpu
