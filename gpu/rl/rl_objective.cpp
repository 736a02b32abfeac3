#include "gpu/rl/rl_objective.h"

#include "core/paths.h"
#include "core/wire/telemetry.h"
#include "gpu/rl/policy_loss.h"
#include "gpu/train/parent_run.h"
#include "gpu/train/step_runner.h"

namespace r1wb::gpu {
namespace tm = telemetry;

namespace {

double masked_mean(const torch::Tensor& x, const torch::Tensor& mask) {
  return ((x.to(torch::kFloat32) * mask).sum() / mask.sum().clamp_min(1.0)).item<double>();
}

}  // namespace

RlObjective::RlObjective(const Experiment& e) : e_(e), eval_(eval_options(e)) {
  if (e_.rl.advantage == AdvantageKind::Gae) critic_ = std::make_unique<ValueCritic>(e_);
}

void RlObjective::extend_model(TransformerLM& model, torch::Device device) {
  if (critic_) critic_->attach(model, device);
}

std::vector<LrScale> RlObjective::lr_scales() const {
  if (!critic_) return {};
  return {{ValueCritic::kPrefix, e_.rl.value_lr / e_.train.lr}};
}

void RlObjective::start(const ObjectiveContext& c) {
  policy_ = c.model;
  tokenizer_ = &c.tokenizer;
  if (e_.rl.beta > 0) {
    reference_ = TransformerLM(e_.model);
    reference_->to(c.device);
    refresh_reference();
    reference_->eval();
    if (c.resumed_at > 0 && e_.rl.ref_refresh_every > 0)
      c.sink.log(wire::LogLevel::Info, "rl: resumed at step " + std::to_string(c.resumed_at) +
                                           "; the reference is the resumed policy until its next refresh");
  }
  rollouts_ = std::make_unique<RolloutSource>(e_, policy_, *tokenizer_, reference_);
  if (critic_) rollouts_->on_sampled([this](RolloutBatch& b) { critic_->prepare(b, policy_); });
  if (c.resumed_at == 0) run_eval(0, c.sink);
}

void RlObjective::refresh_reference() { copy_matching_weights(policy_, reference_); }

MicroBatchResult RlObjective::micro_batch(TransformerLM& model, const Batch& b, const LossNorm& norm) {
  const auto& r = e_.rl;
  const double share = norm.router_share;  // this rank's share of the global batch
  auto out = model->forward(b.input);
  const auto logp = token_logprobs(out.logits, b.target, r.temperature);
  const auto& mask = b.mask;
  auto old = b.row_tensor("old_logp");
  if (!old.defined()) old = logp.detach();  // one pass per batch: the ratio is 1, its gradient the policy gradient
  const auto clipped = clipped_policy_loss(logp, old, b.row_tensor("advantage"), mask, r.eps_low, r.eps_high,
                                           r.ratio == RatioLevel::Sequence);
  const double global_tokens = rollouts_->current().completion_tokens / e_.train.grad_accum;
  auto reduce = [&](const torch::Tensor& per_token) {
    auto v = reduce_loss(per_token, mask, r.loss_type, global_tokens, r.max_new_tokens);
    return r.loss_type == LossReduction::Dapo ? v : v * share;  // dapo already divides by the global count
  };
  const auto policy_loss = reduce(clipped.loss);
  auto loss = policy_loss;
  MicroBatchResult res;
  torch::Tensor kl;
  if (r.beta > 0) {
    kl = kl_per_token(logp, b.row_tensor("ref_logp"), r.kl_estimator);
    if (!critic_) loss = loss + r.beta * reduce(kl);  // PPO's KL is in its rewards
  }
  torch::Tensor value_loss;
  if (critic_) {
    value_loss = share * critic_->loss(model, out.hidden, b);
    loss = loss + r.value_coef * value_loss;
  }
  res.loss = loss + share * out.router_loss;
  res.values.emplace_back(tm::kLoss, loss.item<double>());
  res.values.emplace_back(tm::kPolicyLoss, policy_loss.item<double>());
  if (value_loss.defined()) res.values.emplace_back(tm::kValueLoss, value_loss.item<double>());
  if (kl.defined()) res.values.emplace_back(tm::kKl, share * masked_mean(kl.detach(), mask));
  const auto low = clipped.clip_low.to(torch::kFloat32), high = clipped.clip_high.to(torch::kFloat32);
  res.values.emplace_back(tm::kClipLow, share * masked_mean(low, mask));
  res.values.emplace_back(tm::kClipHigh, share * masked_mean(high, mask));
  res.values.emplace_back(tm::kClipRegion, share * masked_mean(low + high, mask));
  const auto diff = (logp.detach() - b.row_tensor("sample_logp")).abs() * mask;
  res.values.emplace_back(tm::kSamplingLogpDiffMean, share * masked_mean(diff, mask));
  res.values.emplace_back(tm::kSamplingLogpDiffMax, share * diff.max().item<double>());
  if (!out.moe.empty()) res.values.emplace_back(tm::kAuxLoss, share * out.aux_loss.item<double>());
  // The rollout batch's own telemetry: the same for every micro-batch of the step.
  const auto& st = rollouts_->current().stats;
  auto add = [&](const std::string& name, double v) { res.values.emplace_back(name, share * v); };
  add(tm::kReward, st.reward_mean);
  add(tm::kRewardStd, st.reward_std);
  const auto& names = reward_component_names();
  for (size_t i = 0; i < names.size(); ++i) {
    add(tm::reward_metric(names[i], "mean"), st.component_mean[i]);
    add(tm::reward_metric(names[i], "std"), st.component_std[i]);
  }
  add(tm::kFracRewardZeroStd, st.frac_reward_zero_std);
  add(tm::kMeanLength, st.mean_length);
  add(tm::kMinLength, st.min_length);
  add(tm::kMaxLength, st.max_length);
  add(tm::kClippedRatio, st.clipped_ratio);
  add(tm::kEntropy, st.entropy);
  if (r.dynamic_sampling) add(tm::kResampledGroups, st.resampled_groups);
  if (critic_) {
    add(tm::kValueMean, st.value_mean);
    add(tm::kValueExplainedVar, st.value_explained_var);
  }
  add(tm::kSampledTokensPerS, st.sampled_tokens_per_s);
  res.moe = std::move(out.moe);
  return res;
}

void RlObjective::after_step(const StepStats& s, int64_t end, EventSink& sink) {
  const auto& r = e_.rl;
  if (s.step % e_.telemetry.log_every == 0 || s.step == end) {
    const auto& st = rollouts_->current().stats;
    const double step_ms = s.data_ms + s.forward_ms + s.backward_ms + s.optimizer_ms;
    // Sampling happens in the step's data time, on the step that draws a new batch.
    const double sampled = rollouts_->current().step == s.step ? st.sample_ms : 0;
    sink.emit(wire::Metrics{s.step, wall_clock_seconds(), {{tm::kSampleShare, step_ms > 0 ? sampled / step_ms : 0}}});
  }
  if (r.rollouts_every > 0 && (s.step % r.rollouts_every == 0 || s.step == end)) sink.emit(rollouts_record(s.step));
  if ((r.eval_every > 0 && s.step % r.eval_every == 0) || s.step == end) run_eval(s.step, sink);
  if (reference_ && r.ref_refresh_every > 0 && s.step % r.ref_refresh_every == 0) {
    refresh_reference();
    sink.log(wire::LogLevel::Info, "rl: reference refreshed from the policy at step " + std::to_string(s.step));
  }
}

wire::Rollouts RlObjective::rollouts_record(int64_t step) const {
  const auto& batch = rollouts_->current();
  wire::Rollouts rec;
  rec.step = step;
  rec.component_names = reward_component_names();
  for (size_t i = 0; i < batch.rollouts.size(); ++i) {
    const auto& ro = batch.rollouts[i];
    wire::RolloutSample x;
    x.group = uint32_t(i / size_t(e_.rl.group_size));
    x.prompt = ro.prompt;
    x.completion = ro.completion.text;
    x.reward = ro.reward, x.advantage = ro.advantage, x.truncated = ro.completion.truncated;
    x.components = ro.components.values();
    x.tokens.assign(ro.completion.tokens.begin(), ro.completion.tokens.end());
    x.logprobs = ro.completion.logprobs;
    x.entropy = ro.completion.entropy;
    rec.samples.push_back(std::move(x));
  }
  return rec;
}

void RlObjective::run_eval(int64_t step, EventSink& sink) {
  const auto result = evaluate(policy_, *tokenizer_, eval_);
  sink.emit(wire::Metrics{step, wall_clock_seconds(), eval_metrics(result)});
  char line[256];
  std::snprintf(
      line, sizeof line,
      "eval at step %lld: accuracy %.3f, pass@%d %.3f, format %.3f, mean length %.1f (%d held-out prompts, %.1f s)",
      (long long)step, result.accuracy, result.k, result.pass_at_k, result.format_rate, result.mean_length,
      result.prompts, result.seconds);
  sink.log(wire::LogLevel::Info, line);
  std::fprintf(stderr, "%s\n", line);
  sink.flush();
}

}  // namespace r1wb::gpu
