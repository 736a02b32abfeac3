// Multi-head latent attention (DeepSeek-V2, arXiv 2405.04434 sec. 2.1; used by V3): keys and
// values are decompressed per head from one small latent c_kv = RMSNorm(W_dkv x), so a KV
// cache would hold kv_lora_rank + rope_head_dim numbers per token; position enters through
// a decoupled RoPE key shared by all heads and a RoPE part of each query:
//   q_h = [q_nope_h ; RoPE(q_rope_h)]          from W_q x
//   k_h = [W_uk_h c_kv ; RoPE(W_kr x)]         v_h = W_uv_h c_kv
//   scores = q_h . k_h / sqrt(head_dim + rope_head_dim)
// Checkpoint keys: "wq.weight", "wkv_a.weight" (-> kv_lora_rank + rope_head_dim), "kv_norm.weight",
// "wkv_b.weight" (-> H * 2 * head_dim), "wo.weight", and "gate_gamma" with the sigmoid gate.
#pragma once
#include "core/config/config.h"
#include "gpu/model/kv_cache.h"
#include "gpu/model/matmul_hooks.h"
#include "gpu/model/rms_norm.h"
#include "gpu/model/rope.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace r1wb::gpu {

class MultiHeadLatentAttentionImpl : public torch::nn::Module {
 public:
  explicit MultiHeadLatentAttentionImpl(const ModelConfig& cfg);
  //! [batch, seq, d_model] -> same; `kv` as in attention.h (it holds the latent and RoPE key).
  torch::Tensor forward(const torch::Tensor& x, LayerKv* kv = nullptr);

  torch::nn::Linear wq{nullptr}, wkv_a{nullptr}, wkv_b{nullptr}, wo{nullptr};
  RMSNorm kv_norm{nullptr};
  torch::Tensor gate_gamma;
  bool capture_weights = false;
  torch::Tensor last_weights;
  const MatmulHooks* hooks = nullptr;  //!< the model's (quantization-aware training), or none

 private:
  AttentionConfig cfg_;
  int64_t n_heads_, head_dim_, rope_dim_, rank_;
  Rope rope_;
};
TORCH_MODULE(MultiHeadLatentAttention);

}  // namespace r1wb::gpu
