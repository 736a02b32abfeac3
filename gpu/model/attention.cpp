#include "gpu/model/attention.h"

#include "gpu/model/attention_products.h"
#include "gpu/model/attention_weights.h"
#include "gpu/model/decode_kernels.h"
#include "gpu/model/init.h"

#include <cmath>
#include <tuple>

namespace r1wb::gpu {

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const ModelConfig& c)
    : cfg_(c.attention), n_heads_(c.n_heads),
      n_kv_heads_(c.kv_heads()), head_dim_(c.d_model / c.n_heads),
      rope_(c.d_model / c.n_heads, c.max_seq_len, c.rope_theta) {
  const int64_t out = (n_heads_ + 2 * n_kv_heads_) * head_dim_;
  qkv = register_module("qkv", init_linear(c.d_model, out));
  proj = register_module("proj", init_linear(c.d_model, c.d_model, residual_init_std(c.n_layers)));
  if (cfg_.scores == AttentionScores::SigmoidGate)
    gate_gamma = register_parameter("gate_gamma", torch::full({n_heads_}, 0.5));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, LayerKv* kv) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2), H = n_heads_, G = n_kv_heads_;
  const int64_t offset = kv ? kv->length : 0;
  auto parts = apply_linear(qkv, x, hooks).view({B, T, H + 2 * G, head_dim_}).transpose(1, 2);  // [B, H + 2G, T, hd]
  auto qk = rope_.apply(parts.narrow(1, 0, H + G), offset);                // queries and keys rotated in one pass
  auto q = qk.narrow(1, 0, H);
  auto k_t = qk.narrow(1, H, G).transpose(-2, -1);  // [B, G, hd, T]
  auto v = parts.narrow(1, H + G, G);
  if (kv) std::tie(k_t, v) = kv->append(k_t, v, 3, 2);  // the kv heads, keys transposed
  const double scale = 1.0 / std::sqrt(double(head_dim_));
  if (kv && !capture_weights && decode_attention_fuses(q))
    return apply_linear(proj, decode_attention(q, k_t, v, cfg_, gate_gamma, scale).transpose(1, 2).reshape({B, T, D}), hooks);
  if (G != H) {  // GQA: each key/value head serves H / G consecutive query heads, by broadcasting
    q = q.reshape({B, G, H / G, T, head_dim_});
    k_t = k_t.unsqueeze(2), v = v.unsqueeze(2);
  }
  const int64_t S = k_t.size(-1);
  auto scores = query_key_scores(q, k_t).view({B, H, T, S}) / std::sqrt(double(head_dim_));  // [B, H, T, S]
  auto weights = attention_weights(scores, cfg_, gate_gamma);
  if (capture_weights) last_weights = weights.detach();
  auto out = mix_values(G != H ? weights.view({B, G, H / G, T, S}) : weights, v).view({B, H, T, head_dim_});
  return apply_linear(proj, out.transpose(1, 2).reshape({B, T, D}), hooks);
}

}  // namespace r1wb::gpu
