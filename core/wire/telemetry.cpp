#include "core/wire/telemetry.h"

#include <cstdlib>

namespace r1wb::telemetry {

std::string moe_layer_metric(int block, const char* name) { return "moe/L" + std::to_string(block) + "/" + name; }

bool parse_moe_layer_metric(const std::string& metric, int* block, std::string* name) {
  if (metric.rfind("moe/L", 0) != 0) return false;
  const size_t slash = metric.find('/', 5);
  if (slash == std::string::npos || slash == 5 || slash + 1 == metric.size()) return false;
  for (size_t i = 5; i < slash; ++i)
    if (metric[i] < '0' || metric[i] > '9') return false;
  *block = std::atoi(metric.c_str() + 5);
  *name = metric.substr(slash + 1);
  return true;
}

std::string probe_attention(int block) { return "probe/attention/L" + std::to_string(block); }

std::string probe_choice_label(const std::string& layer_name, int choice) {
  return layer_name + " / choice " + std::to_string(choice);
}

int probe_choices_per_layer(const std::vector<std::string>& labels) {
  if (labels.empty()) return 0;
  const auto layer_of = [](const std::string& l) { return l.substr(0, l.rfind(" / choice ")); };
  const std::string first = layer_of(labels[0]);
  int n = 0;
  while (size_t(n) < labels.size() && layer_of(labels[size_t(n)]) == first) ++n;
  return n;
}

const std::vector<MetricSpec>& metrics() {
  static const std::vector<MetricSpec> all = {
      {kLoss, "LM cross-entropy on completion tokens (the loss mask), mean over micro-batches", false},
      {kLr, "learning rate of the step", false},
      {kGradNorm, "global gradient norm before clipping", false},
      {kTokens, "real (non-padding) tokens of the global batches through this step", false},
      {kAuxLoss, "batch-level load-balancing loss, unweighted, mean over MoE layers", false},
      {kMtpLoss, "the multi-token-prediction module's cross-entropy on the token after next", false},
      {kLossScale, "fp16 dynamic loss scale", false},
      {kTokensPerS, "training throughput over the log window", true},
      {kForwardMs, "forward time per step, mean over the log window", false},
      {kBackwardMs, "backward time per step", false},
      {kOptimizerMs, "unscale, clip and optimizer time per step", false},
      {kPeakMemoryMb, "the process's peak memory since training started", false},
      {kPaddingFrac, "share of padding in the text batches of the window", false},
      {kCurriculumPhase, "the curriculum phase of the step (0-based)", false},
      {kMaxLoadRatio, "the worst MoE layer's load_ratio", false},
      {"moe/L<i>/load_ratio", "block i: the busiest expert's share of assignments times the experts (1 = balanced)",
       false},
      {"moe/L<i>/router_entropy", "block i: mean normalised router entropy (0..1)", false},
      {"moe/L<i>/dropped_frac", "block i: share of assignments dropped by the capacity limit", false},
      {kDpMaxWeightDiff, "data parallel: largest weight difference between ranks at the end (0 = in sync)", false},
      {kDpMaxGradDiff, "data parallel: largest gradient difference between ranks at the last step", false},
  };
  return all;
}

bool higher_is_better(const std::string& metric) {
  for (const auto& m : metrics())
    if (m.name == metric) return m.higher_is_better;
  // Metrics outside the contract (a newer runner's, or an objective's own): rewards,
  // accuracies and rates go up, everything else (losses, times, imbalance) down.
  for (const char* up : {"reward", "accuracy", "acc", "tokens_per_s", "pass", "correct", "score"})
    if (metric.find(up) != std::string::npos) return true;
  return false;
}

}  // namespace r1wb::telemetry
