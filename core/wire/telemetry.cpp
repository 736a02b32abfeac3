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
      {kReward, "RL: mean shaped reward of the step's completions", true},
      {kRewardStd, "RL: mean over prompt groups of the reward's std", false},
      {"rewards/<component>/mean", "RL: mean of one reward component (accuracy, format, charset, length, diversity)",
       true},
      {"rewards/<component>/std", "RL: std of one reward component over the step's completions", false},
      {kFracRewardZeroStd, "RL: share of groups whose rewards are all equal (they carry no gradient)", false},
      {kMeanLength, "RL: mean completion length in tokens", false},
      {kMinLength, "RL: shortest completion", false},
      {kMaxLength, "RL: longest completion", false},
      {kClippedRatio, "RL: share of completions cut by rl.max_new_tokens", false},
      {kKl, "RL: mean per-token KL estimate to the reference model", false},
      {kEntropy, "RL: mean per-token entropy of the sampling distribution", true},
      {kClipLow, "RL: share of completion tokens whose ratio is clipped below", false},
      {kClipHigh, "RL: share clipped above", false},
      {kClipRegion, "RL: share clipped on either side", false},
      {kPolicyLoss, "RL: the clipped policy-gradient loss, reduced as rl.loss_type says", false},
      {kValueLoss, "RL (PPO): the value head's clipped squared error to the GAE returns", false},
      {kValueMean, "RL (PPO): mean value of the completion tokens at sampling time", false},
      {kValueExplainedVar, "RL (PPO): share of the returns' variance the value head explains (1 is perfect)", true},
      {kSamplingLogpDiffMean, "RL: mean |sampler - trainer| log-prob of the same tokens (should be ~0)", false},
      {kSamplingLogpDiffMax, "RL: largest |sampler - trainer| log-prob difference", false},
      {kResampledGroups, "RL: groups drawn beyond the batch by dynamic sampling", false},
      {kSampleShare, "RL: share of the step's wall time spent sampling and scoring rollouts", false},
      {kSampledTokensPerS, "RL: completion tokens sampled per second", true},
      {kEvalAccuracy, "held-out accuracy: share of samples the verifier accepts", true},
      {kEvalPassAt1, "held-out pass@1 (equal to eval/accuracy)", true},
      {kEvalPassAtK, "held-out pass@k: share of prompts one of rl.eval_k samples solves", true},
      {kEvalFormatRate, "held-out share of samples in the <think>/<answer> format", true},
      {kEvalMeanLength, "held-out mean completion length in tokens", false},
      {kEvalLoss, "held-out next-token loss on the prompts' reference completions (teacher-forced)", false},
      {kDistillDivergence, "distill: the divergence to the teacher (distill.loss, x T^2) per completion token", false},
      {kDistillCe, "distill: next-token cross-entropy on the batch's completion tokens", false},
      {kDistillHidden, "distill: squared error to the teacher's last hidden state through the projection", false},
      {kDistillOnPolicy, "distill: 1 on a step trained on the student's own samples (GKD), else 0", false},
      {kDistillKeptFraction, "distill: share of the teacher's samples the verifier kept (rejection sampling)", true},
      {kDistillTeacherAccuracy, "distill: the teacher's held-out accuracy, before the first step", true},
      {kDistillTeacherLoss, "distill: the teacher's held-out next-token loss, before the first step", false},
  };
  return all;
}

std::string reward_metric(const std::string& component, const char* stat) {
  return "rewards/" + component + "/" + stat;
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
