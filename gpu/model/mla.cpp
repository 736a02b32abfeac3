#include "gpu/model/mla.h"

#include "gpu/model/attention_products.h"
#include "gpu/model/attention_weights.h"
#include "gpu/model/init.h"

#include <cmath>
#include <tuple>

namespace r1wb::gpu {
MultiHeadLatentAttentionImpl::MultiHeadLatentAttentionImpl(const ModelConfig& c)
    : cfg_(c.attention), n_heads_(c.n_heads), head_dim_(c.d_model / c.n_heads), rope_dim_(c.attention.rope_head_dim),
      rank_(c.attention.kv_lora_rank), rope_(c.attention.rope_head_dim, c.max_seq_len, c.rope_theta) {
  wq = register_module("wq", init_linear(c.d_model, n_heads_ * (head_dim_ + rope_dim_)));
  wkv_a = register_module("wkv_a", init_linear(c.d_model, rank_ + rope_dim_));
  kv_norm = register_module("kv_norm", RMSNorm(rank_, c.norm_eps));
  wkv_b = register_module("wkv_b", init_linear(rank_, n_heads_ * 2 * head_dim_));
  wo = register_module("wo", init_linear(n_heads_ * head_dim_, c.d_model, residual_init_std(c.n_layers)));
  if (cfg_.scores == AttentionScores::SigmoidGate)
    gate_gamma = register_parameter("gate_gamma", torch::full({n_heads_}, 0.5));
}

torch::Tensor MultiHeadLatentAttentionImpl::forward(const torch::Tensor& x, LayerKv* cache) {
  const int64_t B = x.size(0), T = x.size(1), H = n_heads_, hd = head_dim_, rd = rope_dim_;
  const int64_t offset = cache ? cache->length : 0;
  auto q = apply_linear(wq, x, hooks).view({B, T, H, hd + rd}).transpose(1, 2);  // [B, H, T, hd + rd]
  auto q_nope = q.narrow(-1, 0, hd), q_rope = rope_.apply(q.narrow(-1, hd, rd), offset);
  auto kv_a = apply_linear(wkv_a, x, hooks);                                                       // [B, T, rank + rd]
  auto latent = kv_norm(kv_a.narrow(-1, 0, rank_));                            // [B, T, rank]
  auto k_rope = rope_.apply(kv_a.narrow(-1, rank_, rd).unsqueeze(1), offset);  // [B, 1, T, rd]
  if (cache) std::tie(latent, k_rope) = cache->append(latent, k_rope, 1, 2);
  const int64_t S = latent.size(1);                                 // keys: the cached and these
  auto kv = apply_linear(wkv_b, latent, hooks).view({B, S, H, 2 * hd}).transpose(1, 2);  // [B, H, S, 2 hd]
  auto k_nope = kv.narrow(-1, 0, hd), v = kv.narrow(-1, hd, hd);
  auto scores =
      (query_key_scores(q_nope, k_nope.transpose(-2, -1)) + query_key_scores(q_rope, k_rope.transpose(-2, -1))) /
      std::sqrt(double(hd + rd));  // [B, H, T, S]
  auto weights = attention_weights(scores, cfg_, gate_gamma);
  if (capture_weights) last_weights = weights.detach();
  return apply_linear(wo, mix_values(weights, v).transpose(1, 2).reshape({B, T, H * hd}), hooks);
}

}  // namespace r1wb::gpu
