// Mixture-of-Experts feed-forward: softmax router, top-k selection with the k weights
// renormalised to sum to 1, SwiGLU experts, and the batch-level load-balancing loss
// E * sum_i f_i * P_i (Switch Transformer / GShard).
//
// Dispatch has no per-token loop: token-expert pairs are sorted by expert, gathered once,
// each expert runs one matmul chain on its contiguous block, and the weighted results are
// scatter-added back. Expert weights are stacked so checkpoints hold three tensors per layer.
// Checkpoint keys: "router.weight", "w_gate", "w_up", "w_down".
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace r1wb::gpu {

struct MoeOutput {
  torch::Tensor y;         // [tokens, d_model]
  torch::Tensor aux_loss;  // [] load-balancing loss (differentiable through P)
  torch::Tensor load;      // [experts] fraction of token-expert assignments; sums to 1
};

class MoeImpl : public torch::nn::Module {
 public:
  MoeImpl(int64_t d_model, int64_t num_experts, int64_t top_k, int64_t expert_hidden);
  MoeOutput forward(const torch::Tensor& x);  // x: [tokens, d_model]

  //! Router decisions for x: top-k expert ids, their renormalised weights and all probabilities.
  struct Routing {
    torch::Tensor experts;  // [tokens, k] int64
    torch::Tensor weights;  // [tokens, k]
    torch::Tensor probs;    // [tokens, experts]
  };
  Routing route(const torch::Tensor& x);
  //! One expert applied to rows of x: [n, d_model] -> [n, d_model].
  torch::Tensor expert(int64_t e, const torch::Tensor& x);

  torch::nn::Linear router{nullptr};  // d_model -> experts
  torch::Tensor w_gate;               // [experts, hidden, d_model]
  torch::Tensor w_up;                 // [experts, hidden, d_model]
  torch::Tensor w_down;               // [experts, d_model, hidden]
  int64_t num_experts, top_k;
};
TORCH_MODULE(Moe);

}  // namespace r1wb::gpu
