#include "gpu/attention.h"

#include <cmath>
#include <limits>

namespace r1wb::gpu {

namespace F = torch::nn::functional;

CausalSelfAttentionImpl::CausalSelfAttentionImpl(int64_t d_model, int64_t n_heads, int64_t max_seq_len,
                                                 double rope_theta)
    : n_heads_(n_heads), head_dim_(d_model / n_heads) {
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(d_model, 3 * d_model).bias(false)));
  proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(d_model, d_model).bias(false)));
  const int64_t half = head_dim_ / 2;
  auto inv_freq = torch::pow(rope_theta, -torch::arange(0, half, torch::kFloat64) / double(half));
  auto angles = torch::outer(torch::arange(0, max_seq_len, torch::kFloat64), inv_freq);  // [max_seq, half]
  cos_ = angles.cos().to(torch::kFloat32);
  sin_ = angles.sin().to(torch::kFloat32);
}

torch::Tensor CausalSelfAttentionImpl::rope(const torch::Tensor& x) const {
  const int64_t T = x.size(2), half = head_dim_ / 2;
  auto cos = cos_.narrow(0, 0, T).to(x.device(), x.scalar_type());  // [seq, half]
  auto sin = sin_.narrow(0, 0, T).to(x.device(), x.scalar_type());
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return torch::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2);
  auto parts = qkv(x).view({B, T, 3, n_heads_, head_dim_}).permute({2, 0, 3, 1, 4});  // [3, B, H, T, hd]
  auto q = rope(parts[0]), k = rope(parts[1]), v = parts[2];
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(head_dim_));  // [B, H, T, T]
  auto future = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
  scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  auto out = torch::matmul(F::softmax(scores, F::SoftmaxFuncOptions(-1)), v);  // [B, H, T, hd]
  return proj(out.transpose(1, 2).reshape({B, T, D}));
}

}  // namespace r1wb::gpu
