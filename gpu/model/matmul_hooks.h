// What the blocks do to a matrix and to its input just before multiplying them, when anything:
// quantization-aware training (gpu/quant/) fake-quantizes both. Every matrix the blocks apply
// (attention, dense and expert FFNs, shared experts) goes through linear_with(); the embedding,
// the head, norms and routers do not. The model holds one MatmulHooks that the training side
// sets (TransformerLMImpl::set_matmul_hooks), as it sets the MoE count reducer: the model never
// includes the quantization code.
#pragma once
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <functional>

namespace r1wb::gpu {

//! Which matrix a weight hook is handed: the model's parameter itself, or expert `expert` of a
//! stacked expert parameter [E, out, in] (the weight is then param[expert]). Hooks that keep
//! state per matrix (learned quantization steps) find it through `param`.
struct MatrixRef {
  const torch::Tensor& param;
  int64_t expert = -1;
};

struct MatmulHooks {
  //! A weight [..., out, in] as the matmul should see it (identity when unset).
  std::function<torch::Tensor(const torch::Tensor&, const MatrixRef&)> weight;
  //! An input [..., in] as the matmul should see it (identity when unset).
  std::function<torch::Tensor(const torch::Tensor&)> input;
  bool active() const { return bool(weight) || bool(input); }
};

//! The weight `w` (the matrix `of`) as `hooks` present it (w itself without hooks).
inline torch::Tensor hooked_weight(const torch::Tensor& w, const MatrixRef& of, const MatmulHooks* hooks) {
  return hooks && hooks->weight ? hooks->weight(w, of) : w;
}
//! The input as `hooks` present it.
inline torch::Tensor hooked_input(const torch::Tensor& x, const MatmulHooks* hooks) {
  return hooks && hooks->input ? hooks->input(x) : x;
}
//! x [..., in] times w [out, in] (the matrix `of`) transposed, through the hooks: [..., out].
inline torch::Tensor linear_with(const torch::Tensor& x, const torch::Tensor& w, const MatrixRef& of,
                                 const MatmulHooks* hooks) {
  return torch::matmul(hooked_input(x, hooks), hooked_weight(w, of, hooks).t());
}

//! A Linear module's product through the hooks when they are active, the module's own forward
//! otherwise (so a model without hooks computes exactly as it always did).
inline torch::Tensor apply_linear(torch::nn::Linear& l, const torch::Tensor& x, const MatmulHooks* hooks) {
  return hooks && hooks->active() ? linear_with(x, l->weight, {l->weight}, hooks) : l(x);
}

}  // namespace r1wb::gpu
