#include "gpu/train/ffn_pruning.h"

#include <stdexcept>

namespace r1wb::gpu {
namespace {

std::string shape_text(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

//! A SwiGLU pruned to `child`'s width.
void prune_swiglu(SwiGLUImpl& from, SwiGLUImpl& to) {
  const auto keep = kept_neurons(from.w_gate->weight, from.w_up->weight, from.w_down->weight, to.w_gate->weight.size(0));
  to.w_gate->weight.copy_(from.w_gate->weight.index_select(0, keep));
  to.w_up->weight.copy_(from.w_up->weight.index_select(0, keep));
  to.w_down->weight.copy_(from.w_down->weight.index_select(1, keep));
}

//! Routed experts pruned to `to`'s expert width, each its own neurons (or one set for all with
//! the shared up-projection); the router and bias copied; shared experts as a SwiGLU.
void prune_moe(MoeImpl& from, MoeImpl& to) {
  const int64_t E = from.w_gate.size(0), keep = to.w_gate.size(1);
  if (from.w_up_shared.defined()) {
    auto score = torch::zeros({from.w_gate.size(1)}, from.w_gate.options());
    for (int64_t e = 0; e < E; ++e)
      score += from.w_gate[e].norm(2, {1}) * from.w_up_shared.norm(2, {1}) * from.w_down[e].norm(2, {0});
    const auto idx = std::get<0>(std::get<1>(score.topk(keep)).sort());
    to.w_gate.copy_(from.w_gate.index_select(1, idx));
    to.w_up_shared.copy_(from.w_up_shared.index_select(0, idx));
    to.w_down.copy_(from.w_down.index_select(2, idx));
  } else {
    for (int64_t e = 0; e < E; ++e) {
      const auto idx = kept_neurons(from.w_gate[e], from.w_up[e], from.w_down[e], keep);
      to.w_gate[e].copy_(from.w_gate[e].index_select(0, idx));
      to.w_up[e].copy_(from.w_up[e].index_select(0, idx));
      to.w_down[e].copy_(from.w_down[e].index_select(1, idx));
    }
  }
  if (from.shared) prune_swiglu(*from.shared, *to.shared);
}

void prune_block(BlockImpl& from, BlockImpl& to) {
  if (from.mlp && to.mlp) prune_swiglu(*from.mlp, *to.mlp);
  if (from.moe && to.moe) prune_moe(*from.moe, *to.moe);
}

}  // namespace

torch::Tensor kept_neurons(const torch::Tensor& gate, const torch::Tensor& up, const torch::Tensor& down,
                           int64_t keep) {
  const auto score = gate.norm(2, {1}) * up.norm(2, {1}) * down.norm(2, {0});
  return std::get<0>(std::get<1>(score.topk(keep)).sort());
}

void prune_into(TransformerLM& parent, TransformerLM& child) {
  torch::NoGradGuard no_grad;
  // Shapes first: only FFN hidden widths may differ, and only narrower.
  auto params = parent->named_parameters(true);
  for (const auto& p : child->named_parameters(true)) {
    const auto* from = params.find(p.key());
    if (!from) throw std::runtime_error("pruning: the parent has no " + p.key());
    if (from->sizes() == p.value().sizes()) continue;
    const bool ffn = p.key().find(".mlp.") != std::string::npos || p.key().find(".moe.w_") != std::string::npos ||
                     p.key().find(".moe.shared.") != std::string::npos;
    bool narrower = from->dim() == p.value().dim();
    for (int64_t d = 0; narrower && d < from->dim(); ++d) narrower = p.value().size(d) <= from->size(d);
    if (!ffn || !narrower)
      throw std::runtime_error("pruning: " + p.key() + " is " + shape_text(p.value()) + " here, " + shape_text(*from) +
                               " in the parent (only FFN hidden widths may narrow)");
  }
  for (const auto& p : child->named_parameters(true))
    if (params[p.key()].sizes() == p.value().sizes()) p.value().copy_(params[p.key()]);
  auto buffers = child->named_buffers(true);
  for (const auto& b : parent->named_buffers(true))
    if (auto* into = buffers.find(b.key()); into && into->sizes() == b.value().sizes()) into->copy_(b.value());
  for (size_t i = 0; i < child->blocks->size(); ++i)
    prune_block(*parent->blocks[i]->as<Block>(), *child->blocks[i]->as<Block>());
  if (child->mtp_block) prune_block(*parent->mtp_block, *child->mtp_block);
}

}  // namespace r1wb::gpu
