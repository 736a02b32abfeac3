#include "gpu/transformer.h"

#include <cmath>

namespace r1wb::gpu {

BlockImpl::BlockImpl(const ModelConfig& c) {
  attn_norm = register_module("attn_norm", RMSNorm(c.d_model, c.norm_eps));
  attn = register_module("attn", CausalSelfAttention(c.d_model, c.n_heads, c.max_seq_len, c.rope_theta));
  ffn_norm = register_module("ffn_norm", RMSNorm(c.d_model, c.norm_eps));
  if (c.ffn == "moe")
    moe = register_module("moe", Moe(c.d_model, c.moe.num_experts, c.moe.top_k, c.moe.expert_hidden));
  else
    mlp = register_module("mlp", SwiGLU(c.d_model, c.ffn_hidden));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, torch::Tensor& aux_loss, std::vector<torch::Tensor>& loads) {
  auto h = x + attn(attn_norm(x));
  auto n = ffn_norm(h);
  if (!moe) return h + mlp(n);
  auto out = moe(n.reshape({-1, n.size(-1)}));
  aux_loss = aux_loss + out.aux_loss;
  loads.push_back(out.load);
  return h + out.y.view_as(h);
}

TransformerLMImpl::TransformerLMImpl(const ModelConfig& c) : cfg(c) {
  embed = register_module("embed", torch::nn::Embedding(c.vocab_size, c.d_model));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.n_layers; ++i) blocks->push_back(Block(c));
  norm = register_module("norm", RMSNorm(c.d_model, c.norm_eps));
  if (!c.tie_embeddings)
    head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(c.d_model, c.vocab_size).bias(false)));

  // GPT-2 style init: N(0, 0.02), residual output projections scaled by 1/sqrt(2 * layers).
  torch::NoGradGuard no_grad;
  const double resid_std = 0.02 / std::sqrt(2.0 * c.n_layers);
  for (auto& p : named_parameters()) {
    const auto& name = p.key();
    if (name.find("norm") != std::string::npos) continue;
    const bool resid = name.find("proj.weight") != std::string::npos || name.find("w_down") != std::string::npos;
    p.value().normal_(0.0, resid ? resid_std : 0.02);
  }
}

LMOutput TransformerLMImpl::forward(const torch::Tensor& tokens) {
  auto x = embed(tokens);  // [B, T, D]
  auto aux = torch::zeros({}, x.options());
  std::vector<torch::Tensor> loads;
  for (auto& m : *blocks) x = m->as<Block>()->forward(x, aux, loads);
  x = norm(x);
  auto logits = head ? head(x) : torch::matmul(x, embed->weight.t());  // [B, T, V]
  if (!loads.empty()) aux = aux / double(loads.size());
  return {logits, aux, loads};
}

ModelCost model_cost(const ModelConfig& c, int seq_len) {
  const int64_t D = c.d_model;
  const int64_t attn = 4 * D * D;
  const int64_t dense_ffn = 3 * D * c.ffn_hidden;
  const int64_t expert = 3 * D * c.moe.expert_hidden;
  const int64_t router = D * c.moe.num_experts;
  const bool moe = c.ffn == "moe";
  const int64_t ffn_total = moe ? router + expert * c.moe.num_experts : dense_ffn;
  const int64_t ffn_active = moe ? router + expert * c.moe.top_k : dense_ffn;
  const int64_t embed = int64_t(c.vocab_size) * D * (c.tie_embeddings ? 1 : 2);
  ModelCost cost;
  cost.params = embed + c.n_layers * (attn + ffn_total + 2 * D) + D;
  cost.active_params = embed + c.n_layers * (attn + ffn_active + 2 * D) + D;
  // Matmul FLOPs per token: weights (2 per parameter used), the head, and QK^T plus AV
  // averaged over causal positions (seq/2 keys each).
  const double weights = 2.0 * c.n_layers * (attn + ffn_active) + 2.0 * D * c.vocab_size;
  const double attention = 2.0 * c.n_layers * 2.0 * D * (seq_len / 2.0);
  cost.forward_flops_per_token = weights + attention;
  return cost;
}

}  // namespace r1wb::gpu
