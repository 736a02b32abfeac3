#include "gpu/quant/quantized_size.h"

#include "gpu/quant/learned_steps.h"

namespace r1wb::gpu {

bool is_block_matrix(const std::string& name, const torch::Tensor& p, bool experts) {
  if (p.dim() < 2) return false;
  if (name.rfind("blocks.", 0) != 0 && name.rfind("mtp_block.", 0) != 0) return false;
  if (name.find(".router.") != std::string::npos) return false;
  const bool routed_expert = name.find(".moe.w_") != std::string::npos;
  return !routed_expert || experts;
}

bool is_exported_weight(const std::string& name) {
  return name.rfind("mtp_", 0) != 0 && name.rfind(kLearnedStepsModule, 0) != 0;
}

bool is_quantized_matrix(const std::string& name, const torch::Tensor& p, const QuantConfig& q) {
  return q.weights != WeightQuant::None && is_block_matrix(name, p, q.experts);
}

int64_t quantized_weight_bytes(TransformerLM& model, const QuantConfig& q) {
  int64_t bytes = 0;
  for (const auto& item : model->named_parameters()) {
    const auto& name = item.key();
    if (!is_exported_weight(name)) continue;
    const auto& p = item.value();
    const int64_t n = p.numel();
    if (!is_quantized_matrix(name, p, q)) {
      bytes += n * 4;
      continue;
    }
    const int64_t rows = n / p.size(-1);
    switch (q.weights) {
      case WeightQuant::None: bytes += n * 4; break;
      case WeightQuant::Int8: bytes += n + rows * 4; break;
      case WeightQuant::Int4: bytes += n / 2 + n / q.group_size * 4; break;
      case WeightQuant::Q8_0: bytes += n / 32 * 34; break;
      case WeightQuant::Q4_0: bytes += n / 32 * 18; break;
    }
  }
  return bytes;
}

}  // namespace r1wb::gpu

namespace r1wb::gpu {

int64_t low_rank_weight_bytes(TransformerLM& model, int rank) {
  int64_t bytes = 0;
  for (const auto& item : model->named_parameters()) {
    if (!is_exported_weight(item.key())) continue;
    const auto& p = item.value();
    if (!is_block_matrix(item.key(), p, true)) {
      bytes += p.numel() * 4;
      continue;
    }
    const int64_t out = p.size(-2), in = p.size(-1), matrices = p.numel() / (out * in);
    bytes += matrices * std::min(out * in, rank * (out + in)) * 4;
  }
  return bytes;
}

}  // namespace r1wb::gpu
