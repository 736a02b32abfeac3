#include "gpu/model/rms_norm.h"

#include "gpu/model/decode_kernels.h"

namespace r1wb::gpu {
RMSNormImpl::RMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}
torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  if (decode_kernels_serve(x)) return rms_norm_rows(x, weight, eps_);
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_) * weight;
}
}  // namespace r1wb::gpu
