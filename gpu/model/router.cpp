#include "gpu/model/router.h"

#include <cmath>
#include <limits>

namespace r1wb::gpu {

Routing route(const MoeConfig& c, const torch::Tensor& logits_in, const torch::Tensor& bias, bool statistics) {
  Routing r;
  r.logits = logits_in.to(torch::kFloat32);
  const int64_t N = r.logits.size(0), E = r.logits.size(1);
  r.scores = c.score_func == ScoreFunc::Sigmoid ? r.logits.sigmoid() : r.logits.softmax(-1);

  auto select = r.scores.detach();
  if (bias.defined()) select = select + bias.to(select.options());
  if (c.n_groups > 1) {
    const int64_t per_group = E / c.n_groups;
    auto grouped = select.view({N, c.n_groups, per_group});
    auto group_score = std::get<0>(grouped.topk(std::min<int64_t>(2, per_group), -1)).sum(-1);  // [N, G]
    auto best = std::get<1>(group_score.topk(c.topk_groups, -1));
    auto keep = torch::zeros({N, c.n_groups}, select.options().dtype(torch::kBool)).scatter(1, best, true);
    select = select.masked_fill(~keep.unsqueeze(-1).expand({N, c.n_groups, per_group}).reshape({N, E}),
                                -std::numeric_limits<float>::infinity());
  }
  const int64_t k = c.dynamic_k_max > 0 ? c.dynamic_k_max : c.top_k;
  r.experts = std::get<1>(select.topk(k, -1));  // [N, k]
  auto w = r.scores.gather(1, r.experts);

  if (statistics || c.dynamic_k_max > 0) {
    auto norm = r.scores.detach() / r.scores.detach().sum(-1, true);
    r.entropy =
        E > 1 ? -(norm * norm.clamp_min(1e-12).log()).sum(-1) / std::log(double(E)) : torch::zeros({N}, norm.options());
  }
  if (c.dynamic_k_max > 0) {
    auto slot = torch::arange(k, r.experts.options()).unsqueeze(0);  // [1, k]
    r.active = (slot < c.top_k) | (r.entropy > c.dynamic_entropy_threshold).unsqueeze(1);
    w = w * r.active.to(w.scalar_type());
  } else if (statistics) {
    r.active = torch::ones({N, k}, r.experts.options().dtype(torch::kBool));
  }
  if (c.renormalize) w = w / w.sum(-1, true);
  r.weights = w * c.routed_scaling_factor;
  return r;
}

torch::Tensor assignment_counts(const Routing& r, int64_t num_experts) {
  auto ids = r.experts.masked_select(r.active);
  return torch::bincount(ids, {}, num_experts).to(torch::kFloat32);
}

torch::Tensor batch_balance_loss(const Routing& r, const torch::Tensor& counts) {
  auto f = counts / counts.sum().clamp_min(1.0);         // no gradient
  auto p = (r.scores / r.scores.sum(-1, true)).mean(0);  // [E]
  return double(counts.size(0)) * (f * p).sum();
}

torch::Tensor sequence_balance_loss(const Routing& r, int64_t E, int64_t T) {
  const int64_t N = r.scores.size(0), S = N / T;
  auto one_hot =
      torch::zeros({N, E}, r.scores.options()).scatter_add(1, r.experts, r.active.to(torch::kFloat32));  // [N, E]
  auto counts = one_hot.view({S, T, E}).sum(1);                                                          // [S, E]
  auto f = double(E) * counts / counts.sum(-1, true).clamp_min(1.0);     // E/(K T) * count
  auto p = (r.scores / r.scores.sum(-1, true)).view({S, T, E}).mean(1);  // [S, E]
  return (f * p).sum(-1).mean();
}

torch::Tensor router_z_loss(const Routing& r) { return r.logits.logsumexp(-1).pow(2).mean(); }

}  // namespace r1wb::gpu
