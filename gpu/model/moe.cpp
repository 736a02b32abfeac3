#include "gpu/model/moe.h"

#include "gpu/model/activation_recompute.h"
#include "gpu/model/init.h"

#include <cmath>

namespace r1wb::gpu {
namespace F = torch::nn::functional;

MoeImpl::MoeImpl(const MoeConfig& c, int64_t d_model, double out_std) : cfg(c) {
  const int64_t E = c.num_experts, H = c.expert_hidden;
  router = register_module("router", init_linear(d_model, E));
  w_gate = register_parameter("w_gate", init_normal({E, H, d_model}));
  if (c.shared_input_proj)
    w_up_shared = register_parameter("w_up_shared", init_normal({H, d_model}));
  else
    w_up = register_parameter("w_up", init_normal({E, H, d_model}));
  w_down = register_parameter("w_down", init_normal({E, d_model, H}, out_std));
  expert_bias = register_buffer("expert_bias", torch::zeros({E}));
  if (c.num_shared_experts > 0) shared = register_module("shared", SwiGLU(d_model, c.num_shared_experts * H, out_std));
}

Routing MoeImpl::route(const torch::Tensor& x, bool statistics) {
  return gpu::route(cfg, router(x), cfg.bias_update_speed > 0 ? expert_bias : torch::Tensor(), statistics);
}

torch::Tensor MoeImpl::shared_up(const torch::Tensor& x) {
  return w_up_shared.defined() ? expert_product(x, w_up_shared, -1) : torch::Tensor();
}

torch::Tensor MoeImpl::expert_product(const torch::Tensor& x, const torch::Tensor& param, int64_t e) {
  const auto w = e < 0 ? param : param[e];
  return quantized() ? linear_with(x, w, {param, e}, hooks) : torch::matmul(x, w.t());
}

torch::Tensor MoeImpl::expert(int64_t e, const torch::Tensor& x, const torch::Tensor& up) {
  auto u = up.defined() ? up : expert_product(x, w_up, e);
  auto h = F::silu(expert_product(x, w_gate, e)) * u;  // [n, hidden]
  return expert_product(h, w_down, e);                 // [n, d_model]
}

MoeImpl::Dispatched MoeImpl::dispatch(const torch::Tensor& x, const Routing& r) {
  const int64_t E = cfg.num_experts;
  const int64_t k = r.experts.size(1);

  // Inactive slots (dynamic top-k) get the id E so that they sort after every expert.
  auto flat_expert = (r.active.defined() ? r.experts.masked_fill(~r.active, E) : r.experts).reshape({-1});  // [N*k]
  auto order = std::get<1>(flat_expert.sort(/*stable=*/true, 0, false));  // pairs grouped by expert
  auto counts = torch::bincount(flat_expert, {}, E + 1).narrow(0, 0, E).to(torch::kCPU);
  const auto* c = counts.data_ptr<int64_t>();
  const int64_t capacity =
      cfg.capacity_factor > 0 ? int64_t(std::ceil(cfg.capacity_factor * x.size(0) * cfg.top_k / double(E))) : -1;

  // The kept pairs: each expert's block, cut to the capacity when there is one.
  std::vector<int64_t> kept(E);
  int64_t assigned = 0, total_kept = 0;
  for (int64_t e = 0; e < E; ++e) {
    kept[e] = capacity >= 0 ? std::min(c[e], capacity) : c[e];
    assigned += c[e];
    total_kept += kept[e];
  }
  torch::Tensor sel = order.narrow(0, 0, assigned);
  if (total_kept < assigned) {
    std::vector<torch::Tensor> blocks;
    for (int64_t e = 0, offset = 0; e < E; offset += c[e], ++e)
      if (kept[e] > 0) blocks.push_back(order.narrow(0, offset, kept[e]));
    sel = blocks.empty() ? order.narrow(0, 0, 0) : torch::cat(blocks);
  }

  auto token_of = sel.div(k, "floor");    // source row of each kept pair
  auto xs = x.index_select(0, token_of);  // gathered once
  auto up_all = shared_up(x);
  auto ups = up_all.defined() ? up_all.index_select(0, token_of) : torch::Tensor();
  auto y = torch::zeros_like(x);
  if (total_kept > 0) {
    std::vector<torch::Tensor> outs;
    for (int64_t e = 0, offset = 0; e < E; offset += kept[e], ++e)
      if (kept[e] > 0)
        outs.push_back(expert(e, xs.narrow(0, offset, kept[e]), ups.defined() ? ups.narrow(0, offset, kept[e]) : ups));
    auto w = r.weights.reshape({-1}).index_select(0, sel).unsqueeze(1).to(x.scalar_type());
    y = y.index_add(0, token_of, torch::cat(outs, 0) * w);
  }
  if (shared) y = y + shared(x);
  return {y, counts, assigned, total_kept};
}

torch::Tensor MoeImpl::infer(const torch::Tensor& x) {
  auto r = route(x, /*statistics=*/false);
  const int64_t N = x.size(0), E = cfg.num_experts, H = cfg.expert_hidden, D = x.size(1);
  // Inputs quantized per expert (as dispatch quantizes each expert's own) cannot share one matmul.
  const bool q = quantized();
  if (cfg.capacity_factor > 0 || N * E > kDenseDecodeTokenExperts || (q && hooks->input)) return dispatch(x, r).y;
  // Every expert on every token, as three matmuls over the experts side by side, the ones
  // not chosen weighted 0: E / k times the FLOPs, a tenth of the operator calls.
  auto gates = torch::zeros({N, E}, r.weights.options()).scatter_add(1, r.experts, r.weights).to(x.scalar_type());
  auto g = torch::matmul(x, (q ? hooked_weight(w_gate, {w_gate}, hooks) : w_gate).view({E * H, D}).t()).view({N, E, H});
  auto u = w_up_shared.defined() ? shared_up(x).unsqueeze(1)
                                 : torch::matmul(x, (q ? hooked_weight(w_up, {w_up}, hooks) : w_up).view({E * H, D}).t())
                                       .view({N, E, H});
  auto h = F::silu(g) * u * gates.unsqueeze(-1);  // [N, E, H]
  const auto down = q ? hooked_weight(w_down, {w_down}, hooks).transpose(1, 2).reshape({E * H, D})
                  : torch::GradMode::is_enabled() ? w_down.transpose(1, 2).reshape({E * H, D})
                                                  : down_rows();
  auto y = torch::matmul(h.view({N, E * H}), down);  // [N, D]
  return shared ? y + shared(x) : y;
}

const torch::Tensor& MoeImpl::down_rows() {
  if (!down_rows_.defined() || down_rows_source_ != w_down.data_ptr() || down_rows_version_ != w_down._version()) {
    down_rows_ = w_down.detach().transpose(1, 2).reshape({-1, w_down.size(1)});
    down_rows_source_ = w_down.data_ptr();
    down_rows_version_ = int64_t(w_down._version());
  }
  return down_rows_;
}

MoeOutput MoeImpl::forward(const torch::Tensor& x, int64_t seq_len) {
  auto r = route(x);
  auto [y, counts, assigned, total_kept] = dispatch(x, r);
  auto counts_f = counts.to(x.device(), torch::kFloat32);
  // A recompute rerun (activation_recompute.h) computes the same counts again: they were
  // counted for the bias, and reduced over the ranks, in the first run.
  const bool rerun = recomputing();
  if (is_training() && cfg.bias_update_speed > 0 && !rerun) {
    torch::NoGradGuard no_grad;
    pending_counts_ = pending_counts_.defined() ? pending_counts_ + counts_f : counts_f;
  }

  MoeOutput out;
  out.y = y;
  out.load = counts_f / double(std::max<int64_t>(assigned, 1));
  out.dropped_frac = torch::full({}, double(assigned - total_kept) / double(std::max<int64_t>(assigned, 1)));
  out.entropy = r.entropy.mean();
  out.experts = r.experts.masked_fill(~r.active, -1);
  out.weights = r.weights.masked_fill(~r.active, 0.0);
  auto batch_counts = counts_f;
  if (count_reducer && is_training()) {
    if (rerun) {
      batch_counts = last_reduced_counts_;
    } else {
      batch_counts = counts_f.clone();
      count_reducer(batch_counts);
      last_reduced_counts_ = batch_counts;
    }
  }
  out.aux_loss = batch_balance_loss(r, batch_counts);
  out.router_loss = cfg.aux_loss_weight * out.aux_loss;
  if (cfg.seq_aux_loss_weight > 0)
    out.router_loss = out.router_loss + cfg.seq_aux_loss_weight * sequence_balance_loss(r, cfg.num_experts, seq_len);
  if (cfg.z_loss_weight > 0) out.router_loss = out.router_loss + cfg.z_loss_weight * router_z_loss(r);
  return out;
}

void MoeImpl::update_bias() {
  if (!pending_counts_.defined()) return;
  torch::NoGradGuard no_grad;
  auto load = pending_counts_.to(expert_bias.device());
  expert_bias.add_(cfg.bias_update_speed * (load.mean() - load).sign());
  pending_counts_ = torch::Tensor();
}

}  // namespace r1wb::gpu
