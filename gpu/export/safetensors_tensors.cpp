#include "gpu/export/safetensors_tensors.h"

#include "gpu/quant/fake_quant.h"
#include "gpu/quant/learned_steps.h"

#include <cstring>

namespace r1wb::gpu {
namespace {

safetensors::Tensor raw(const std::string& name, const torch::Tensor& t, const std::string& dtype) {
  torch::Tensor c;
  if (dtype == "F32") c = t.to(torch::kFloat32);
  else if (dtype == "F16") c = t.to(torch::kFloat32).to(torch::kHalf);
  else if (dtype == "BF16") c = t.to(torch::kFloat32).to(torch::kBFloat16);
  else if (dtype == "I8") c = t.to(torch::kInt8);
  else c = t.to(torch::kUInt8);
  c = c.contiguous().to(torch::kCPU);
  safetensors::Tensor out{name, dtype, c.sizes().vec(), {}};
  out.data.resize(size_t(c.numel() * c.element_size()));
  std::memcpy(out.data.data(), c.data_ptr(), out.data.size());
  return out;
}

torch::Tensor values(const safetensors::Tensor& t) {
  auto kind = torch::kFloat32;
  if (t.dtype == "F16") kind = torch::kHalf;
  else if (t.dtype == "BF16") kind = torch::kBFloat16;
  else if (t.dtype == "I8") kind = torch::kInt8;
  else if (t.dtype == "U8") kind = torch::kUInt8;
  else if (t.dtype != "F32") throw safetensors::Error("tensor " + t.name + ": dtype " + t.dtype + " is not one an export holds");
  auto out = torch::empty(t.shape, kind);
  std::memcpy(out.data_ptr(), t.data.data(), t.data.size());
  return out;
}

std::string float_dtype(const std::string& type) { return type == "f16" ? "F16" : type == "bf16" ? "BF16" : "F32"; }

}  // namespace

HfWriter::HfWriter(ModelWeights& w, safetensors::File& f, const Experiment& e, std::string type, int group)
    : w_(w), f_(f), type_(std::move(type)), group_(group) {
  const auto& q = e.quant;
  learned_ = q.learned_steps && ((type_ == "int8" && q.weights == WeightQuant::Int8) ||
                                 (type_ == "int4" && q.weights == WeightQuant::Int4 && group == q.group_size));
  experts_ = q.experts;
}

torch::Tensor HfWriter::steps(const std::string& name) {
  const bool routed_expert = name.find(".moe.w_") != std::string::npos;
  if (!learned_ || (routed_expert && !experts_)) return {};
  return w_.take(learned_step_key(name)).exp();
}

void HfWriter::matrix(const std::string& key, const torch::Tensor& w, const torch::Tensor& steps) {
  if (!quantized()) {
    f_.tensors.push_back(raw(key, w, float_dtype(type_)));
    return;
  }
  const auto grid = type_ == "int8" ? WeightQuant::Int8 : WeightQuant::Int4;
  const auto iw = steps.defined() ? learned_integer_weight(w, steps, grid) : integer_weight(w, grid, group_);
  if (type_ == "int8") {
    f_.tensors.push_back(raw(key, iw.q, "I8"));
  } else {
    const auto u = (iw.q.to(torch::kInt16) + 8).view({iw.q.size(0), -1, 2});  // 0..15
    f_.tensors.push_back(raw(key, u.select(-1, 0) + u.select(-1, 1) * 16, "U8"));
  }
  f_.tensors.push_back(raw(key + "_scale", iw.scale, "F32"));
}

void HfWriter::plain(const std::string& key, const torch::Tensor& t, bool f32) {
  f_.tensors.push_back(raw(key, t, quantized() || f32 ? "F32" : float_dtype(type_)));
}

void HfWriter::finish() {
  if (learned_) w_.take(learned_steps_started_key());
}

torch::Tensor read_matrix(const safetensors::File& f, const std::string& key, int64_t in) {
  const auto* t = f.tensor(key);
  if (!t) throw safetensors::Error("tensor " + key + " is missing");
  const auto v = values(*t);
  const auto* s = f.tensor(key + "_scale");
  if (!s) return v.to(torch::kFloat32);
  IntegerWeight iw{v, values(*s)};
  if (t->dtype == "U8") {  // two int4 values per byte, low nibble first
    const auto b = v.to(torch::kInt16);
    const auto hi = torch::floor_divide(b, 16), lo = b - hi * 16;
    iw.q = torch::stack({lo - 8, hi - 8}, -1).view({v.size(0), in}).to(torch::kInt8);
  }
  return dequantize(iw);
}

torch::Tensor read_plain(const safetensors::File& f, const std::string& key) {
  const auto* t = f.tensor(key);
  if (!t) throw safetensors::Error("tensor " + key + " is missing");
  return values(*t).to(torch::kFloat32);
}

}  // namespace r1wb::gpu
