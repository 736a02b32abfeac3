#include "gpu/train/step_telemetry.h"

#include "core/paths.h"
#include "core/wire/telemetry.h"
#include "gpu/runtime/peak_memory.h"

#include <algorithm>

namespace r1wb::gpu {

namespace tm = telemetry;

StepTelemetry::StepTelemetry(const Experiment& e) : e_(e) {}

void StepTelemetry::add(const StepStats& s) {
  window_.forward_ms += s.forward_ms, window_.backward_ms += s.backward_ms, window_.optimizer_ms += s.optimizer_ms;
  window_.tokens += s.tokens, window_.padding += s.padding;
  ++window_.steps;
}

wire::Metrics StepTelemetry::take(const StepStats& s, int64_t tokens, int phase, bool loss_scaling) {
  const auto now = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(now - window_start_).count();
  last_tps_ = secs > 0 ? double(window_.tokens) / secs : 0;
  const double n = double(std::max<int64_t>(window_.steps, 1));
  wire::Metrics m{s.step,
                  wall_clock_seconds(),
                  {{tm::kLoss, s.loss},
                   {tm::kLr, s.lr},
                   {tm::kGradNorm, s.grad_norm},
                   {tm::kTokens, double(tokens)},
                   {tm::kTokensPerS, last_tps_},
                   {tm::kCurriculumPhase, double(phase)},
                   {tm::kForwardMs, window_.forward_ms / n},
                   {tm::kBackwardMs, window_.backward_ms / n},
                   {tm::kOptimizerMs, window_.optimizer_ms / n},
                   {tm::kPeakMemoryMb, peak_host_memory_mb()}}};
  if (e_.data.task == Task::Text)
    m.values.emplace_back(tm::kPaddingFrac,
                          double(window_.padding) / double(std::max<int64_t>(window_.tokens + window_.padding, 1)));
  if (loss_scaling) m.values.emplace_back(tm::kLossScale, s.loss_scale);
  for (const auto& [name, value] : s.values)  // the objective's own, train/loss aside
    if (name != tm::kLoss && (name != tm::kAuxLoss || !s.expert_load.empty())) m.values.emplace_back(name, value);
  if (!s.expert_load.empty()) {
    double worst_ratio = 0;  // moe/max_load_ratio: the worst layer's
    for (size_t l = 0; l < s.expert_load.size(); ++l) {
      const auto& load = s.expert_load[l];
      const double ratio = double(*std::max_element(load.begin(), load.end())) * load.size();
      worst_ratio = std::max(worst_ratio, ratio);
      m.values.emplace_back(tm::moe_layer_metric(s.moe_layers[l], tm::kLayerLoadRatio), ratio);
      m.values.emplace_back(tm::moe_layer_metric(s.moe_layers[l], tm::kLayerRouterEntropy), s.router_entropy[l]);
      m.values.emplace_back(tm::moe_layer_metric(s.moe_layers[l], tm::kLayerDroppedFrac), s.dropped_frac[l]);
    }
    m.values.emplace_back(tm::kMaxLoadRatio, worst_ratio);
  }
  closed_tokens_ += window_.tokens;
  window_ = {};
  window_start_ = std::chrono::steady_clock::now();
  return m;
}

wire::Snapshot StepTelemetry::expert_load(const StepStats& s) {
  wire::Snapshot snap{s.step, tm::kExpertLoad, uint32_t(s.expert_load.size()), uint32_t(s.expert_load[0].size()), {},
                      {}};
  for (const auto& l : s.expert_load) snap.data.insert(snap.data.end(), l.begin(), l.end());
  return snap;
}

wire::Snapshot StepTelemetry::expert_bias(TransformerLM& model, int64_t step) {
  wire::Snapshot snap{step, tm::kExpertBias, 0, uint32_t(model->cfg.moe.num_experts), {}, {}};
  model->for_each_moe([&](MoeImpl& moe) {
    auto b = moe.expert_bias.to(torch::kCPU, torch::kFloat32).contiguous();
    snap.data.insert(snap.data.end(), b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    ++snap.rows;
  });
  return snap;
}

}  // namespace r1wb::gpu
