#include "gpu/model/transformer.h"

#include "gpu/model/activation_recompute.h"
#include "gpu/model/init.h"

#include <cmath>

namespace r1wb::gpu {

BlockImpl::BlockImpl(const ModelConfig& c, int i) : index(i) {
  attn_norm = register_module("attn_norm", RMSNorm(c.d_model, c.norm_eps));
  if (c.attention.kind == AttentionKind::Mla)
    mla = register_module("mla", MultiHeadLatentAttention(c));
  else
    attn = register_module("attn", CausalSelfAttention(c));
  ffn_norm = register_module("ffn_norm", RMSNorm(c.d_model, c.norm_eps));
  if (c.ffn == FfnKind::Moe && i >= c.first_k_dense)
    moe = register_module("moe", Moe(c.moe, c.d_model, residual_init_std(c.n_layers)));
  else
    mlp = register_module("mlp", SwiGLU(c.d_model, c.ffn_hidden, residual_init_std(c.n_layers)));
}

torch::Tensor BlockImpl::attend(const torch::Tensor& x) { return mla ? mla(x) : attn(x); }

torch::Tensor BlockImpl::decode(const torch::Tensor& x, LayerKv& kv) {
  auto h = x + (mla ? mla->forward(attn_norm(x), &kv) : attn->forward(attn_norm(x), &kv));
  auto n = ffn_norm(h);
  if (!moe) return h + mlp(n);
  return h + moe->infer(n.reshape({-1, n.size(-1)})).view_as(h);
}

void BlockImpl::capture_attention(bool on) {
  if (mla)
    mla->capture_weights = on;
  else
    attn->capture_weights = on;
}

torch::Tensor BlockImpl::attention_weights() const { return mla ? mla->last_weights : attn->last_weights; }

torch::Tensor BlockImpl::forward(const torch::Tensor& x, LMOutput& out) {
  // The rerun in backward records no statistics (the first run did); the MoE layer itself
  // skips its counting side effects while recomputing.
  auto parts = recompute && torch::GradMode::is_enabled()
                   ? recompute_in_backward(
                         x, [&](const torch::Tensor& in) { return forward_parts(in, &out.moe); },
                         [this](const torch::Tensor& in) { return forward_parts(in, nullptr); })
                   : forward_parts(x, &out.moe);
  if (moe) {
    out.router_loss = out.router_loss + parts[1];
    out.aux_loss = out.aux_loss + parts[2];
  }
  return parts[0];
}

std::vector<torch::Tensor> BlockImpl::forward_parts(const torch::Tensor& x, std::vector<MoeLayerStats>* stats) {
  auto h = x + attend(attn_norm(x));
  auto n = ffn_norm(h);
  if (!moe) return {h + mlp(n)};
  auto m = moe->forward(n.reshape({-1, n.size(-1)}), n.size(1));
  if (stats) stats->push_back({index, m.load, m.dropped_frac, m.entropy, m.experts, m.weights});
  return {h + m.y.view_as(h), m.router_loss, m.aux_loss};
}

TransformerLMImpl::TransformerLMImpl(const ModelConfig& c) : cfg(c) {
  embed = register_module("embed", torch::nn::Embedding(c.vocab_size, c.d_model));
  {
    torch::NoGradGuard no_grad;
    embed->weight.normal_(0.0, kInitStd);
  }
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.n_layers; ++i) blocks->push_back(Block(c, i));
  norm = register_module("norm", RMSNorm(c.d_model, c.norm_eps));
  if (!c.tie_embeddings) head = register_module("head", init_linear(c.d_model, c.vocab_size));
  if (c.mtp_weight > 0) {
    mtp_norm_h = register_module("mtp_norm_h", RMSNorm(c.d_model, c.norm_eps));
    mtp_norm_e = register_module("mtp_norm_e", RMSNorm(c.d_model, c.norm_eps));
    // Initialised as the residual projections, as it always was (it writes the MTP block's input).
    mtp_proj = register_module("mtp_proj", init_linear(2 * c.d_model, c.d_model, residual_init_std(c.n_layers)));
    mtp_block = register_module("mtp_block", Block(c, c.n_layers));
  }
}

LMOutput TransformerLMImpl::forward(const torch::Tensor& tokens) {
  auto x = embed(tokens);  // [B, T, D]
  LMOutput out;
  out.router_loss = torch::zeros({}, x.options().dtype(torch::kFloat32));
  out.aux_loss = out.router_loss;
  for (auto& m : *blocks) x = m->as<Block>()->forward(x, out);
  auto project = [this](const torch::Tensor& h) { return logits_of(h); };
  out.hidden = x;
  out.logits = project(x);  // [B, T, V]
  if (mtp_block && tokens.size(1) > 1) {
    // Position i combines the main model's state at i with the embedding of token i + 1.
    const int64_t T = tokens.size(1);
    auto h = mtp_norm_h(x.narrow(1, 0, T - 1));
    auto e = mtp_norm_e(embed(tokens.narrow(1, 1, T - 1)));
    out.mtp_logits = project(mtp_block->forward(mtp_proj(torch::cat({h, e}, -1)), out));
  }
  if (!out.moe.empty()) {
    out.router_loss = out.router_loss / double(out.moe.size());
    out.aux_loss = out.aux_loss / double(out.moe.size());
  }
  return out;
}

torch::Tensor TransformerLMImpl::decode(const torch::Tensor& tokens, KvCache& cache) {
  auto x = embed(tokens);
  cache.layers.resize(blocks->size());
  for (size_t i = 0; i < blocks->size(); ++i) {
    cache.layers[i].capacity = cache.capacity;
    x = blocks[i]->as<Block>()->decode(x, cache.layers[i]);
  }
  cache.length += tokens.size(1);
  return logits_of(x);
}

torch::Tensor TransformerLMImpl::logits_of(const torch::Tensor& h) {
  return head ? head(norm(h)) : torch::matmul(norm(h), embed->weight.t());
}

void TransformerLMImpl::set_matmul_hooks(MatmulHooks hooks, bool experts) {
  matmul_hooks_ = std::move(hooks);
  auto point = [&](BlockImpl& b) {
    if (b.attn) b.attn->hooks = &matmul_hooks_;
    if (b.mla) b.mla->hooks = &matmul_hooks_;
    if (b.mlp) b.mlp->hooks = &matmul_hooks_;
    if (b.moe) {
      b.moe->hooks = &matmul_hooks_;
      b.moe->hooks_on_experts = experts;
      if (b.moe->shared) b.moe->shared->hooks = &matmul_hooks_;
    }
  };
  for (auto& m : *blocks) point(*m->as<Block>());
  if (mtp_block) point(*mtp_block);
}

void TransformerLMImpl::set_recompute_layers(int n) {
  for (auto& m : *blocks) {
    auto block = m->as<Block>();
    block->recompute = block->index < n;
  }
  if (mtp_block) mtp_block->recompute = n > cfg.n_layers;
}

void TransformerLMImpl::for_each_moe(const std::function<void(MoeImpl&)>& fn) {
  for (auto& m : *blocks)
    if (auto moe = m->as<Block>()->moe) fn(*moe);
  if (mtp_block && mtp_block->moe) fn(*mtp_block->moe);
}

}  // namespace r1wb::gpu
