// Dense SwiGLU feed-forward (Shazeer 2020): w_down(silu(w_gate x) * w_up x).
// Checkpoint keys: "w_gate.weight", "w_up.weight", "w_down.weight".
#pragma once
#include "gpu/model/matmul_hooks.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace r1wb::gpu {
class SwiGLUImpl : public torch::nn::Module {
 public:
  //! out_std: the init std of w_down (a residual output projection inside a block).
  SwiGLUImpl(int64_t d_model, int64_t hidden, double out_std = 0.02);
  torch::Tensor forward(const torch::Tensor& x);  // [..., d_model] -> same
  torch::nn::Linear w_gate{nullptr}, w_up{nullptr}, w_down{nullptr};
  const MatmulHooks* hooks = nullptr;  //!< the model's (quantization-aware training), or none
};
TORCH_MODULE(SwiGLU);
}  // namespace r1wb::gpu
