#include "gpu/model/rope.h"

#include "gpu/model/decode_kernels.h"

namespace r1wb::gpu {

Rope::Rope(int64_t dim, int64_t max_seq_len, double theta) : dim_(dim) {
  const int64_t half = dim / 2;
  auto inv_freq = torch::pow(theta, -torch::arange(0, half, torch::kFloat64) / double(half));
  auto angles = torch::outer(torch::arange(0, max_seq_len, torch::kFloat64), inv_freq);  // [max_seq, half]
  cos_ = angles.cos().to(torch::kFloat32);
  sin_ = angles.sin().to(torch::kFloat32);
}

torch::Tensor Rope::apply(const torch::Tensor& x, int64_t offset) const {
  if (x.dim() == 4 && x.stride(3) == 1 && decode_kernels_serve(x)) return rope_rows(x, cos_, sin_, offset);
  const int64_t T = x.size(-2), half = dim_ / 2;
  auto cos = cos_.narrow(0, offset, T), sin = sin_.narrow(0, offset, T);  // [seq, half]
  if (cos.device() != x.device() || cos.scalar_type() != x.scalar_type()) {
    cos = cos.to(x.device(), x.scalar_type());
    sin = sin.to(x.device(), x.scalar_type());
  }
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return torch::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
}

}  // namespace r1wb::gpu
