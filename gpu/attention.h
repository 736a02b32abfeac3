// Causal multi-head self-attention with rotary position embeddings (RoPE, half-split
// layout). Explicit softmax(QK^T/sqrt(d)) so it builds on LibTorch 1.13, which lacks
// scaled_dot_product_attention. Checkpoint keys: "qkv.weight", "proj.weight".
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace r1wb::gpu {

class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  CausalSelfAttentionImpl(int64_t d_model, int64_t n_heads, int64_t max_seq_len, double rope_theta);
  torch::Tensor forward(const torch::Tensor& x);  // [batch, seq, d_model] -> same

  torch::nn::Linear qkv{nullptr};   // d_model -> 3 * d_model
  torch::nn::Linear proj{nullptr};  // d_model -> d_model

 private:
  torch::Tensor rope(const torch::Tensor& x) const;  // [batch, heads, seq, head_dim]
  int64_t n_heads_, head_dim_;
  torch::Tensor cos_, sin_;  // [max_seq, head_dim / 2]; derived, not saved
};
TORCH_MODULE(CausalSelfAttention);

}  // namespace r1wb::gpu
