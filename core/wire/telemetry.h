// The telemetry contract: every metric name and snapshot kind the engine emits, with what it
// means and, for snapshots, its shape. The engine writes through these names, the views read
// through them, and metrics() describes each, so a name exists once.
//
// Metric names are "<group>/<name>"; per-MoE-layer metrics are "moe/L<block>/<name>".
// Snapshot shapes use L_moe for the MoE layers (rows named by config's moe_layer_names), E for
// experts, k for experts per token, T for probe tokens, L for all blocks and H for heads.
#pragma once
#include <string>
#include <vector>

namespace r1wb::telemetry {

// Scalars, every telemetry.log_every steps.
inline constexpr const char* kLoss = "train/loss";  //!< LM cross-entropy on completion tokens
inline constexpr const char* kLr = "train/lr";
inline constexpr const char* kGradNorm = "train/grad_norm";    //!< before clipping
inline constexpr const char* kTokens = "train/tokens";         //!< real tokens through this step, cumulative
inline constexpr const char* kAuxLoss = "train/aux_loss";      //!< batch-level balance loss, unweighted (MoE)
inline constexpr const char* kMtpLoss = "train/mtp_loss";      //!< the MTP module's loss (model.mtp_weight > 0)
inline constexpr const char* kLossScale = "train/loss_scale";  //!< fp16 only
inline constexpr const char* kTokensPerS = "perf/tokens_per_s";
inline constexpr const char* kForwardMs = "perf/forward_ms";  //!< per step, mean over the log window
inline constexpr const char* kBackwardMs = "perf/backward_ms";
inline constexpr const char* kOptimizerMs = "perf/optimizer_ms";
inline constexpr const char* kPeakMemoryMb = "perf/peak_memory_mb";
inline constexpr const char* kPaddingFrac = "data/padding_frac";  //!< text tasks
inline constexpr const char* kCurriculumPhase = "curriculum/phase";
inline constexpr const char* kMaxLoadRatio = "moe/max_load_ratio";     //!< the worst MoE layer's load_ratio
inline constexpr const char* kDpMaxWeightDiff = "dp/max_weight_diff";  //!< data parallel, at the end
inline constexpr const char* kDpMaxGradDiff = "dp/max_grad_diff";
// RL (stage rl), named as the RL libraries (TRL, verl) log them so users recognise them. The
// rollout values are of the batch the step trained on.
inline constexpr const char* kReward = "reward";         //!< mean shaped reward of the batch's completions
inline constexpr const char* kRewardStd = "reward_std";  //!< mean over groups of the reward std
inline constexpr const char* kFracRewardZeroStd = "frac_reward_zero_std";  //!< groups with equal rewards (no signal)
inline constexpr const char* kMeanLength = "completions/mean_length";      //!< completion tokens
inline constexpr const char* kMinLength = "completions/min_length";
inline constexpr const char* kMaxLength = "completions/max_length";
inline constexpr const char* kClippedRatio = "completions/clipped_ratio";  //!< share truncated by the budget
inline constexpr const char* kKl = "kl";                        //!< mean per-token KL to the reference (rl.beta > 0)
inline constexpr const char* kEntropy = "entropy";              //!< mean per-token entropy of the sampling distribution
inline constexpr const char* kClipLow = "clip_ratio/low_mean";  //!< share of tokens clipped below
inline constexpr const char* kClipHigh = "clip_ratio/high_mean";      //!< share clipped above
inline constexpr const char* kClipRegion = "clip_ratio/region_mean";  //!< either
inline constexpr const char* kPolicyLoss = "policy_loss";
inline constexpr const char* kValueLoss = "value_loss";          //!< PPO (rl.advantage gae): the value head's loss
inline constexpr const char* kValueMean = "critic/values/mean";  //!< PPO: mean value at sampling time
inline constexpr const char* kValueExplainedVar = "critic/vf_explained_var";           //!< PPO: 1 - Var(R - V) / Var(R)
inline constexpr const char* kSamplingLogpDiffMean = "sampling_logp_difference/mean";  //!< |sampler - trainer| log-prob
inline constexpr const char* kSamplingLogpDiffMax = "sampling_logp_difference/max";
inline constexpr const char* kResampledGroups = "rl/resampled_groups";  //!< dynamic sampling's extra groups
inline constexpr const char* kSampleShare = "perf/sample_share";  //!< share of the step's wall time spent sampling
inline constexpr const char* kSampledTokensPerS = "perf/sampled_tokens_per_s";
inline constexpr const char* kEvalAccuracy = "eval/accuracy";  //!< held-out: share of samples accepted (pass@1)
inline constexpr const char* kEvalPassAt1 = "eval/pass@1";
inline constexpr const char* kEvalPassAtK = "eval/pass@k";  //!< held-out prompts solved by one of rl.eval_k samples
inline constexpr const char* kEvalFormatRate = "eval/format_rate";
inline constexpr const char* kEvalMeanLength = "eval/mean_length";
inline constexpr const char* kEvalLoss = "eval/loss";  //!< held-out: next-token loss on the reference completions
// Distillation (stage distill).
inline constexpr const char* kDistillDivergence = "distill/divergence";  //!< the distill.loss divergence, x T^2
inline constexpr const char* kDistillCe = "distill/ce";                  //!< next-token loss on the batch's tokens
inline constexpr const char* kDistillHidden = "distill/hidden_loss";     //!< hidden-state MSE through the projection
inline constexpr const char* kDistillOnPolicy = "distill/on_policy";     //!< 1 on a step of the student's own samples
inline constexpr const char* kDistillKeptFraction = "distill/kept_fraction";  //!< teacher samples the verifier kept
inline constexpr const char* kDistillTeacherAccuracy = "distill/teacher_accuracy";  //!< the teacher's held-out eval
inline constexpr const char* kDistillTeacherLoss = "distill/teacher_loss";
//! "rewards/<component>/mean" or ".../std" for a reward_components.h component.
std::string reward_metric(const std::string& component, const char* stat);

// Per MoE layer (moe_layer_metric): the busiest expert's share times E (1 is perfect
// balance), mean normalised router entropy, share of assignments dropped by capacity.
inline constexpr const char* kLayerLoadRatio = "load_ratio";
inline constexpr const char* kLayerRouterEntropy = "router_entropy";
inline constexpr const char* kLayerDroppedFrac = "dropped_frac";

//! "moe/L<block>/<name>" for one of the per-layer names above.
std::string moe_layer_metric(int block, const char* name);
//! The block and per-layer name of a "moe/L<block>/<name>" metric; false for other names.
bool parse_moe_layer_metric(const std::string& metric, int* block, std::string* name);

// Snapshots.
inline constexpr const char* kExpertLoad = "moe/expert_load";    //!< [L_moe, E] share of assignments, rows sum to 1
inline constexpr const char* kExpertBias = "moe/expert_bias";    //!< [L_moe, E] aux-loss-free selection biases
inline constexpr const char* kCurriculumMix = "curriculum/mix";  //!< [1, levels] the phase's mix, sums to 1
inline constexpr const char* kProbeTokens = "probe/tokens";      //!< [1, T] token ids
//! [L_moe * k, T]: row l * k + j is layer l's j-th expert per token (-1: none). Rows are
//! labelled "<layer name> / choice <j>" (probe_choice_label), so a reader need not infer k.
inline constexpr const char* kProbeExpertChoice = "probe/expert_choice";
inline constexpr const char* kProbeExpertWeight = "probe/expert_weight";  //!< [L_moe * k, T] gate weights (0: none)
inline constexpr const char* kProbeAttentionEntropy = "probe/attention_entropy";  //!< [L, H] nats, mean over queries
//! "probe/attention/L<block>": [H * T, T], row h * T + t is head h, query t.
std::string probe_attention(int block);
//! The row label of a probe's expert choice: "layer 1 / choice 0".
std::string probe_choice_label(const std::string& layer_name, int choice);
//! The number of choices per layer in labelled probe rows (the rows sharing the first row's
//! layer), or 0 when the rows carry no labels.
int probe_choices_per_layer(const std::vector<std::string>& row_labels);

//! One metric of the contract, for documentation and the views' metric menus.
struct MetricSpec {
  std::string name;  //!< a name above, or "moe/L<i>/<name>" written as such
  std::string description;
  bool higher_is_better;  //!< what "best" means in an ablation's results
};
//! Every metric of the contract with its meaning (documentation, ablation "best").
const std::vector<MetricSpec>& metrics();
//! True when higher values of `metric` are better (rewards, accuracies, throughput).
bool higher_is_better(const std::string& metric);

}  // namespace r1wb::telemetry
