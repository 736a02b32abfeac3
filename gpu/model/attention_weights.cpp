#include "gpu/model/attention_weights.h"

#include <cmath>
#include <limits>

namespace r1wb::gpu {

torch::Tensor hidden_keys(int64_t Tq, int64_t Tk, int64_t window, torch::Device device) {
  auto opts = torch::TensorOptions().dtype(torch::kBool).device(device);
  const int64_t offset = Tk - Tq;                              // query t sits at position offset + t
  auto hidden = torch::ones({Tq, Tk}, opts).triu(1 + offset);  // the future
  if (window > 0 && window < Tk) hidden = hidden | torch::ones({Tq, Tk}, opts).tril(offset - window);  // too far back
  return hidden;
}

torch::Tensor attention_weights(const torch::Tensor& scores, const AttentionConfig& cfg, const torch::Tensor& gamma) {
  const int64_t T = scores.size(-1);
  // One query at the last position sees every key unless a window hides the oldest.
  const bool sees_all = scores.size(-2) == 1 && (cfg.sliding_window <= 0 || cfg.sliding_window >= T);
  auto hidden = sees_all ? torch::Tensor() : hidden_keys(scores.size(-2), T, cfg.sliding_window, scores.device());
  if (cfg.scores == AttentionScores::SigmoidGate) {
    auto s = scores * gamma.view({1, -1, 1, 1}).to(scores.scalar_type());
    if (cfg.sigmoid_log_bias) s = s - std::log(double(T));
    return sees_all ? torch::sigmoid(s) : torch::sigmoid(s).masked_fill(hidden, 0.0);
  }
  return (sees_all ? scores : scores.masked_fill(hidden, -std::numeric_limits<float>::infinity())).softmax(-1);
}

}  // namespace r1wb::gpu
