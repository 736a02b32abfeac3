#include "gpu/moe.h"

namespace r1wb::gpu {
namespace F = torch::nn::functional;

MoeImpl::MoeImpl(int64_t d_model, int64_t experts, int64_t k, int64_t hidden) : num_experts(experts), top_k(k) {
  router = register_module("router", torch::nn::Linear(torch::nn::LinearOptions(d_model, experts).bias(false)));
  w_gate = register_parameter("w_gate", torch::randn({experts, hidden, d_model}) * 0.02);
  w_up = register_parameter("w_up", torch::randn({experts, hidden, d_model}) * 0.02);
  w_down = register_parameter("w_down", torch::randn({experts, d_model, hidden}) * 0.02);
}

MoeImpl::Routing MoeImpl::route(const torch::Tensor& x) {
  auto probs = F::softmax(router(x).to(torch::kFloat32), F::SoftmaxFuncOptions(-1));  // [N, E]
  auto [top_p, top_i] = probs.topk(top_k, -1);                                        // [N, k]
  return {top_i, (top_p / top_p.sum(-1, true)).to(x.scalar_type()), probs};
}

torch::Tensor MoeImpl::expert(int64_t e, const torch::Tensor& x) {
  auto h = F::silu(torch::matmul(x, w_gate[e].t())) * torch::matmul(x, w_up[e].t());  // [n, hidden]
  return torch::matmul(h, w_down[e].t());                                             // [n, d_model]
}

MoeOutput MoeImpl::forward(const torch::Tensor& x) {
  const int64_t N = x.size(0);
  auto r = route(x);
  auto flat_expert = r.experts.reshape({-1});                                  // [N*k]
  auto order = std::get<1>(flat_expert.sort(/*stable=*/true, 0, false));      // pairs grouped by expert
  auto token_of = order.div(top_k, "floor");                                  // [N*k] source row of each pair
  auto counts = torch::bincount(flat_expert, {}, num_experts).to(torch::kCPU);  // [E]
  auto xs = x.index_select(0, token_of);                                       // [N*k, d_model] gathered once

  std::vector<torch::Tensor> outs;
  const auto* c = counts.data_ptr<int64_t>();
  for (int64_t e = 0, offset = 0; e < num_experts; offset += c[e], ++e)
    if (c[e] > 0) outs.push_back(expert(e, xs.narrow(0, offset, c[e])));
  auto ys = torch::cat(outs, 0);                                                // [N*k, d_model]
  auto w = r.weights.reshape({-1}).index_select(0, order).unsqueeze(1);        // [N*k, 1]
  auto y = torch::zeros_like(x).index_add(0, token_of, ys * w);

  auto load = counts.to(x.device(), torch::kFloat32) / double(N * top_k);      // f_i, no gradient
  auto aux = double(num_experts) * (load * r.probs.mean(0)).sum();              // E * sum f_i P_i
  return {y, aux, load};
}

}  // namespace r1wb::gpu
