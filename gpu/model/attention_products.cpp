#include "gpu/model/attention_products.h"

namespace r1wb::gpu {
namespace {
bool one_query_on_cpu(const torch::Tensor& a) { return a.size(-2) == 1 && a.device().is_cpu(); }
}  // namespace

torch::Tensor query_key_scores(const torch::Tensor& q, const torch::Tensor& k_t) {
  if (one_query_on_cpu(q)) return (q.transpose(-2, -1) * k_t).sum(-2, /*keepdim=*/true);
  return torch::matmul(q, k_t);
}

torch::Tensor mix_values(const torch::Tensor& weights, const torch::Tensor& v) {
  if (one_query_on_cpu(weights)) return (weights.transpose(-2, -1) * v).sum(-2, /*keepdim=*/true);
  return torch::matmul(weights, v);
}

}  // namespace r1wb::gpu
