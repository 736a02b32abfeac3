// Causal self-attention with RoPE: MHA, or GQA when model.attention.n_kv_heads < n_heads
// (each key/value head serves n_heads / n_kv_heads query heads). Scores become weights in
// attention_weights.h (causal mask, sliding window, softmax or sigmoid gate).
// Checkpoint keys: "qkv.weight" ([(H + 2 Hkv) * head_dim, d_model]), "proj.weight", and
// "gate_gamma" ([H]) with the sigmoid gate.
#pragma once
#include "core/config/config.h"
#include "gpu/model/kv_cache.h"
#include "gpu/model/matmul_hooks.h"
#include "gpu/model/rope.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace r1wb::gpu {

class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit CausalSelfAttentionImpl(const ModelConfig& cfg);
  //! [batch, seq, d_model] -> same. With `kv`, x holds the tokens after those cached there:
  //! they attend to the cached keys too, and theirs are appended.
  torch::Tensor forward(const torch::Tensor& x, LayerKv* kv = nullptr);

  torch::nn::Linear qkv{nullptr};   // d_model -> (H + 2 Hkv) * head_dim
  torch::nn::Linear proj{nullptr};  // d_model -> d_model
  torch::Tensor gate_gamma;         // [H] with the sigmoid gate
  bool capture_weights = false;     //!< keep the last forward's weights (probes)
  torch::Tensor last_weights;       //!< [batch, H, seq, seq], detached
  const MatmulHooks* hooks = nullptr;  //!< the model's (quantization-aware training), or none

 private:
  AttentionConfig cfg_;
  int64_t n_heads_, n_kv_heads_, head_dim_;
  Rope rope_;
};
TORCH_MODULE(CausalSelfAttention);

}  // namespace r1wb::gpu
