#include "gpu/quant/fake_quant.h"

namespace r1wb::gpu {
namespace {

constexpr int64_t kGgmlBlock = 32;

//! x rounded to the nearest integer, halves away from zero (C's roundf, which ggml uses).
torch::Tensor round_half_away(const torch::Tensor& x) { return x.sign() * (x.abs() + 0.5).floor(); }

//! A float32 scale as ggml stores it: rounded to fp16 and back.
torch::Tensor as_fp16(const torch::Tensor& d) { return d.to(torch::kHalf).to(torch::kFloat32); }

//! 1 / d, 0 where d is 0 (ggml's `id = d ? 1.0f/d : 0.0f`).
torch::Tensor inverse_or_zero(const torch::Tensor& d) {
  return torch::where(d != 0, d.reciprocal(), torch::zeros_like(d));
}

//! x [..., n] as [rows, block] blocks along the last dimension (n a multiple of block).
torch::Tensor blocks_of(const torch::Tensor& x, int64_t block) { return x.reshape({-1, block}); }

torch::Tensor q8_0(const torch::Tensor& x) {
  const auto b = blocks_of(x.to(torch::kFloat32), kGgmlBlock);
  const auto d = b.abs().amax(-1, true) / 127.f;
  return (round_half_away(b * inverse_or_zero(d)) * as_fp16(d)).view(x.sizes()).to(x.scalar_type());
}

//! q8_0 as llama.cpp's CPU kernels round a matmul's input at run time (ggml-cpu's AVX2
//! quantize_row_q8_0): the multiplier 127 / max|x| and rounding to nearest even, where the
//! reference quantizer that wrote the weights uses 1 / (max|x| / 127) and rounds halves away.
torch::Tensor q8_0_runtime(const torch::Tensor& x) {
  const auto b = blocks_of(x.to(torch::kFloat32), kGgmlBlock);
  const auto amax = b.abs().amax(-1, true);
  const auto id = torch::where(amax != 0, 127.f / amax, torch::zeros_like(amax));
  return ((b * id).round() * as_fp16(amax / 127.f)).view(x.sizes()).to(x.scalar_type());
}

torch::Tensor q4_0(const torch::Tensor& x) {
  const auto b = blocks_of(x.to(torch::kFloat32), kGgmlBlock);
  const auto m = b.gather(-1, b.abs().argmax(-1, true));  // the first value of largest magnitude, signed
  const auto d = m / -8.f;
  const auto q = (b * inverse_or_zero(d) + 8.5f).floor().clamp(0, 15);
  return ((q - 8) * as_fp16(d)).view(x.sizes()).to(x.scalar_type());
}

//! Symmetric rounding with one scale per row of `groups` ([rows, group]) to [-lo, hi].
torch::Tensor symmetric(const torch::Tensor& groups, double divisor, double lo, double hi) {
  const auto s = (groups.abs().amax(-1, true) / divisor).clamp_min(1e-12);
  return (groups / s).round().clamp(lo, hi) * s;
}

}  // namespace

torch::Tensor rounded_weight(const torch::Tensor& w, WeightQuant grid, int group_size) {
  switch (grid) {
    case WeightQuant::None: return w;
    case WeightQuant::Int8: return symmetric(w, 127, -127, 127);
    case WeightQuant::Int4: return symmetric(blocks_of(w, group_size), 7, -8, 7).view(w.sizes());
    case WeightQuant::Q8_0: return q8_0(w);
    case WeightQuant::Q4_0: return q4_0(w);
  }
  return w;
}

IntegerWeight integer_weight(const torch::Tensor& w, WeightQuant grid, int group_size) {
  if (grid != WeightQuant::Int8 && grid != WeightQuant::Int4)
    throw std::invalid_argument(std::string("integer_weight: ") + name_of(grid) + " is not int8 or int4");
  const int64_t in = w.size(-1), group = grid == WeightQuant::Int8 ? in : group_size;
  const double divisor = grid == WeightQuant::Int8 ? 127 : 7, lo = grid == WeightQuant::Int8 ? -127 : -8,
               hi = grid == WeightQuant::Int8 ? 127 : 7;
  auto shape = w.sizes().vec();
  const auto groups = w.to(torch::kFloat32).reshape({-1, group});
  const auto s = (groups.abs().amax(-1, true) / divisor).clamp_min(1e-12);
  const auto q = (groups / s).round().clamp(lo, hi).to(torch::kInt8).view(shape);
  shape.back() = in / group;
  return {q, s.view(shape)};
}

torch::Tensor dequantize(const IntegerWeight& w) {
  const int64_t in = w.q.size(-1), groups = w.scale.size(-1);
  return (w.q.to(torch::kFloat32).reshape({-1, in / groups}) * w.scale.reshape({-1, 1})).view(w.q.sizes());
}

torch::Tensor rounded_activation(const torch::Tensor& x, ActivationQuant grid) {
  switch (grid) {
    case ActivationQuant::None: return x;
    case ActivationQuant::Int8: return symmetric(x, 127, -127, 127);
    case ActivationQuant::Q8_0: return q8_0_runtime(x);
  }
  return x;
}

torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& rounded) {
  // Without a gradient to pass the rounded values themselves, bit for bit (x + (r - x) is not r
  // in floating point), so evaluation matches a converted model exactly.
  if (!torch::GradMode::is_enabled() || !x.requires_grad()) return rounded;
  return x + (rounded - x).detach();
}

MatmulHooks fake_quant_hooks(const QuantConfig& q) {
  MatmulHooks h;
  if (q.weights != WeightQuant::None)
    h.weight = [grid = q.weights, g = q.group_size](const torch::Tensor& w, const MatrixRef&) {
      return straight_through(w, rounded_weight(w.detach(), grid, g));
    };
  if (q.activations != ActivationQuant::None)
    h.input = [grid = q.activations](const torch::Tensor& x) {
      return straight_through(x, rounded_activation(x.detach(), grid));
    };
  return h;
}

std::string describe(const QuantConfig& q) {
  std::string s = std::string("weights ") + name_of(q.weights);
  if (q.weights == WeightQuant::Int4) s += " (groups of " + std::to_string(q.group_size) + ")";
  s += std::string(", activations ") + name_of(q.activations);
  if (q.learned_steps) s += ", learned steps";
  if (!q.experts) s += ", experts float";
  return s;
}

}  // namespace r1wb::gpu
