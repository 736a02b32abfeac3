#include "gpu/model/decode_kernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace r1wb::gpu {

bool decode_kernels_serve(const torch::Tensor& x) {
  return c10::InferenceMode::is_enabled() && x.device().is_cpu() && x.scalar_type() == torch::kFloat32;
}

bool decode_attention_fuses(const torch::Tensor& q) {
  return q.size(-2) == 1 && q.device().is_cpu() && q.scalar_type() == torch::kFloat32 &&
         !torch::GradMode::is_enabled();
}

torch::Tensor decode_attention(const torch::Tensor& q_in, const torch::Tensor& k_t, const torch::Tensor& v,
                               const AttentionConfig& cfg, const torch::Tensor& gamma_in, double scale) {
  TORCH_CHECK(decode_attention_fuses(q_in), "decode_attention: one fp32 query row on the CPU");
  TORCH_CHECK(k_t.stride(-1) == 1 && v.stride(-1) == 1, "decode_attention: keys and values need unit last strides");
  const auto q = q_in.contiguous();
  const int64_t B = q.size(0), H = q.size(1), d = q.size(3), G = k_t.size(1), S = k_t.size(3);
  TORCH_CHECK(H % G == 0 && v.size(2) == S && v.size(3) == d && k_t.size(2) == d, "decode_attention: shapes");
  const bool sigmoid = cfg.scores == AttentionScores::SigmoidGate;
  const auto gamma = sigmoid ? gamma_in.to(torch::kFloat32).contiguous() : torch::Tensor();
  // The sigmoid gate's -log T bias counts every key of the forward (attention_weights.h).
  const float log_bias = sigmoid && cfg.sigmoid_log_bias ? float(std::log(double(S))) : 0.f;
  const int64_t first = cfg.sliding_window > 0 && cfg.sliding_window < S ? S - cfg.sliding_window : 0;

  auto out = torch::empty({B, H, 1, d}, q.options());
  const float* qp = q.data_ptr<float>();
  const float* kp = k_t.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  const float* gp = sigmoid ? gamma.data_ptr<float>() : nullptr;
  float* op = out.data_ptr<float>();
  const int64_t kb = k_t.stride(0), kg = k_t.stride(1), kd = k_t.stride(2);
  const int64_t vb = v.stride(0), vg = v.stride(1), vs = v.stride(2);
  const float fscale = float(scale);

  at::parallel_for(0, B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> w(size_t(S - first));
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / H, h = bh % H, g = h / (H / G), n = S - first;
      const float* qr = qp + bh * d;
      const float* keys = kp + b * kb + g * kg + first;  // row j of d: the j-th component of every key
      float* sc = w.data();
      std::fill(sc, sc + n, 0.f);
      for (int64_t j = 0; j < d; ++j) {
        const float x = qr[j] * fscale;
        const float* kr = keys + j * kd;
        for (int64_t s = 0; s < n; ++s) sc[s] += x * kr[s];
      }
      if (sigmoid) {
        const float gh = gp[h];
        for (int64_t s = 0; s < n; ++s) sc[s] = 1.f / (1.f + std::exp(-(sc[s] * gh - log_bias)));
      } else {
        const float top = *std::max_element(sc, sc + n);
        float sum = 0;
        for (int64_t s = 0; s < n; ++s) sum += (sc[s] = std::exp(sc[s] - top));
        const float inv = 1.f / sum;
        for (int64_t s = 0; s < n; ++s) sc[s] *= inv;
      }
      float* o = op + bh * d;
      std::fill(o, o + d, 0.f);
      const float* values = vp + b * vb + g * vg + first * vs;
      for (int64_t s = 0; s < n; ++s) {
        const float ws = sc[s];
        const float* vr = values + s * vs;
        for (int64_t j = 0; j < d; ++j) o[j] += ws * vr[j];
      }
    }
  });
  return out;
}

torch::Tensor rms_norm_rows(const torch::Tensor& x_in, const torch::Tensor& weight_in, double eps) {
  const auto x = x_in.contiguous();
  const auto weight = weight_in.to(torch::kFloat32).contiguous();
  const int64_t D = x.size(-1), rows = D > 0 ? x.numel() / D : 0;
  auto out = torch::empty(x.sizes(), x.options());
  const float* xp = x.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = xp + r * D;
    float ss = 0;
    for (int64_t i = 0; i < D; ++i) ss += xr[i] * xr[i];
    const float inv = 1.f / std::sqrt(ss / float(D) + float(eps));
    float* o = op + r * D;
    for (int64_t i = 0; i < D; ++i) o[i] = xr[i] * inv * w[i];
  }
  return out;
}

torch::Tensor rope_rows(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, int64_t offset) {
  TORCH_CHECK(x.dim() == 4 && x.stride(3) == 1, "rope_rows: [A, B, T, dim] with unit last stride");
  const int64_t A = x.size(0), Bn = x.size(1), T = x.size(2), dim = x.size(3), half = dim / 2;
  TORCH_CHECK(cos.is_contiguous() && sin.is_contiguous() && cos.size(1) == half && offset + T <= cos.size(0),
              "rope_rows: tables");
  auto out = torch::empty({A, Bn, T, dim}, x.options());
  const float* xp = x.data_ptr<float>();
  const float* cp = cos.data_ptr<float>();
  const float* sp = sin.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const int64_t s0 = x.stride(0), s1 = x.stride(1), s2 = x.stride(2);
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < Bn; ++b)
      for (int64_t t = 0; t < T; ++t) {
        const float* src = xp + a * s0 + b * s1 + t * s2;
        const float* c = cp + (offset + t) * half;
        const float* s = sp + (offset + t) * half;
        float* dst = op + ((a * Bn + b) * T + t) * dim;
        for (int64_t i = 0; i < half; ++i) {
          const float x1 = src[i], x2 = src[half + i];
          dst[i] = x1 * c[i] - x2 * s[i];
          dst[half + i] = x1 * s[i] + x2 * c[i];
        }
      }
  return out;
}

}  // namespace r1wb::gpu
