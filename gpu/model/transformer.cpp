#include "gpu/model/transformer.h"

#include "gpu/model/activation_recompute.h"

#include <cmath>

namespace r1wb::gpu {

BlockImpl::BlockImpl(const ModelConfig& c, int i) : index(i) {
  attn_norm = register_module("attn_norm", RMSNorm(c.d_model, c.norm_eps));
  if (c.attention.kind == "mla")
    mla = register_module("mla", MultiHeadLatentAttention(c));
  else
    attn = register_module("attn", CausalSelfAttention(c));
  ffn_norm = register_module("ffn_norm", RMSNorm(c.d_model, c.norm_eps));
  if (c.ffn == "moe" && i >= c.first_k_dense)
    moe = register_module("moe", Moe(c.moe, c.d_model));
  else
    mlp = register_module("mlp", SwiGLU(c.d_model, c.ffn_hidden));
}

torch::Tensor BlockImpl::attend(const torch::Tensor& x) { return mla ? mla(x) : attn(x); }

void BlockImpl::capture_attention(bool on) {
  if (mla) mla->capture_weights = on;
  else attn->capture_weights = on;
}

torch::Tensor BlockImpl::attention_weights() const { return mla ? mla->last_weights : attn->last_weights; }

torch::Tensor BlockImpl::forward(const torch::Tensor& x, LMOutput& out) {
  std::vector<torch::Tensor> parts;
  if (recompute && torch::GradMode::is_enabled()) {
    // The rerun must compute what the first run did without its side effects: the step's
    // assignment counts were taken once, and the data-parallel count reduction (a collective)
    // ran once; the rerun replays its result instead of calling it again.
    auto reduced = std::make_shared<torch::Tensor>();
    auto run = [&](const torch::Tensor& in) {
      std::function<void(torch::Tensor&)> reducer = moe ? moe->count_reducer : nullptr;
      if (reducer)
        moe->count_reducer = [&](torch::Tensor& counts) {
          reducer(counts);
          *reduced = counts.clone();
        };
      auto first = forward_parts(in, &out.moe);
      if (reducer) moe->count_reducer = reducer;
      return first;
    };
    auto rerun = [this, reduced](const torch::Tensor& in) {
      if (!moe) return forward_parts(in, nullptr);
      torch::Tensor counts = moe->pending_counts();
      auto reducer = moe->count_reducer;
      if (reducer) moe->count_reducer = [reduced](torch::Tensor& c) { c.copy_(*reduced); };
      auto again = forward_parts(in, nullptr);
      moe->pending_counts() = counts;
      moe->count_reducer = reducer;
      return again;
    };
    parts = recompute_in_backward(x, run, rerun);
  } else {
    parts = forward_parts(x, &out.moe);
  }
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
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.n_layers; ++i) blocks->push_back(Block(c, i));
  norm = register_module("norm", RMSNorm(c.d_model, c.norm_eps));
  if (!c.tie_embeddings)
    head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(c.d_model, c.vocab_size).bias(false)));
  if (c.mtp_weight > 0) {
    mtp_norm_h = register_module("mtp_norm_h", RMSNorm(c.d_model, c.norm_eps));
    mtp_norm_e = register_module("mtp_norm_e", RMSNorm(c.d_model, c.norm_eps));
    mtp_proj = register_module("mtp_proj", torch::nn::Linear(torch::nn::LinearOptions(2 * c.d_model, c.d_model).bias(false)));
    mtp_block = register_module("mtp_block", Block(c, c.n_layers));
  }

  // GPT-2 style init: N(0, 0.02), residual output projections scaled by 1/sqrt(2 * layers).
  torch::NoGradGuard no_grad;
  const double resid_std = 0.02 / std::sqrt(2.0 * c.n_layers);
  for (auto& p : named_parameters()) {
    const auto& name = p.key();
    if (name.find("norm") != std::string::npos || name.find("gate_gamma") != std::string::npos) continue;
    const bool resid = name.find("proj.weight") != std::string::npos || name.find("wo.weight") != std::string::npos ||
                       name.find("w_down") != std::string::npos;
    p.value().normal_(0.0, resid ? resid_std : 0.02);
  }
}

LMOutput TransformerLMImpl::forward(const torch::Tensor& tokens) {
  auto x = embed(tokens);  // [B, T, D]
  LMOutput out;
  out.router_loss = torch::zeros({}, x.options().dtype(torch::kFloat32));
  out.aux_loss = out.router_loss;
  for (auto& m : *blocks) x = m->as<Block>()->forward(x, out);
  auto project = [&](const torch::Tensor& h) { return head ? head(norm(h)) : torch::matmul(norm(h), embed->weight.t()); };
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

void TransformerLMImpl::set_count_reducer(const std::function<void(torch::Tensor&)>& reducer) {
  for (auto& m : *blocks)
    if (auto moe = m->as<Block>()->moe) moe->count_reducer = reducer;
  if (mtp_block && mtp_block->moe) mtp_block->moe->count_reducer = reducer;
}

void TransformerLMImpl::set_recompute_layers(int n) {
  for (auto& m : *blocks) {
    auto block = m->as<Block>();
    block->recompute = block->index < n;
  }
  if (mtp_block) mtp_block->recompute = n > cfg.n_layers;
}

std::vector<torch::Tensor> TransformerLMImpl::pending_expert_counts() {
  std::vector<torch::Tensor> counts;
  for (auto& m : *blocks)
    if (auto moe = m->as<Block>()->moe; moe && moe->pending_counts().defined()) counts.push_back(moe->pending_counts());
  if (mtp_block && mtp_block->moe && mtp_block->moe->pending_counts().defined())
    counts.push_back(mtp_block->moe->pending_counts());
  return counts;
}

void TransformerLMImpl::update_expert_bias() {
  if (mtp_block && mtp_block->moe) mtp_block->moe->update_bias();
  for (auto& m : *blocks)
    if (auto moe = m->as<Block>()->moe) moe->update_bias();
}

}  // namespace r1wb::gpu
