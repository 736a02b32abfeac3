#include "gpu/rl/value_critic.h"

#include "gpu/rl/policy_loss.h"

#include <algorithm>
#include <vector>

namespace r1wb::gpu {

ValueCritic::ValueCritic(const Experiment& e) : rl_(e.rl), rows_per_pass_(e.train.batch_size) {}

void ValueCritic::attach(TransformerLM& model, torch::Device device) {
  head_ = torch::nn::Linear(model->cfg.d_model, 1);
  {
    torch::NoGradGuard no_grad;
    head_->weight.zero_();
    head_->bias.zero_();
  }
  head_->to(device);
  model->register_module("value_head", head_);
}

torch::Tensor ValueCritic::values(TransformerLM& model, const torch::Tensor& hidden) {
  return head_(model->norm(hidden).to(torch::kFloat32)).squeeze(-1);
}

void ValueCritic::prepare(RolloutBatch& rb, TransformerLM& policy) {
  auto& b = rb.batch;
  const int64_t N = b.input.size(0), W = b.input.size(1);
  // The values at sampling time.
  const auto old_values =
      forward_in_passes(policy, b.input, rows_per_pass_,
                        [&](const LMOutput& out, int64_t, int64_t) { return values(policy, out.hidden); }) *
      b.mask;
  // Rewards per token: the completion's shaped reward on its last token, the KL penalty on each.
  std::vector<float> final_reward(static_cast<size_t>(N));
  for (size_t i = 0; i < final_reward.size(); ++i) final_reward[i] = float(rb.rollouts[i].reward);
  const auto positions = torch::arange(W, torch::kInt64).view({1, W}).expand({N, W});
  const auto last = (positions * (b.mask > 0)).amax(1, true);  // [N, 1] each row's last completion position
  const auto has_tokens = (b.mask.sum(1, true) > 0).to(torch::kFloat32);
  auto rewards =
      torch::zeros({N, W}, torch::kFloat32).scatter_(1, last, torch::tensor(final_reward).view({N, 1}) * has_tokens);
  const auto ref = b.row_tensor("ref_logp");
  if (rl_.beta > 0 && ref.defined())
    rewards = rewards - rl_.beta * kl_per_token(b.row_tensor("sample_logp"), ref, rl_.kl_estimator) * b.mask;
  auto [adv, returns] =
      gae(rewards, torch::cat({old_values, torch::zeros({N, 1})}, 1), b.mask, rl_.gamma, rl_.gae_lambda);
  // Whitened over the batch's completion tokens, as TRL and verl do.
  const double n = b.mask.sum().item<double>();
  auto& st = rb.stats;
  if (n > 0) {
    const auto mean = (adv * b.mask).sum() / n;
    const auto var = ((adv - mean).pow(2) * b.mask).sum() / std::max(1.0, n - 1);
    adv = (adv - mean) / (var.sqrt() + 1e-8) * b.mask;
    st.value_mean = ((old_values * b.mask).sum() / n).item<double>();
    auto masked_var = [&](const torch::Tensor& x) {
      const auto m = (x * b.mask).sum() / n;
      return (((x - m).pow(2) * b.mask).sum() / n).item<double>();
    };
    const double ret_var = masked_var(returns);
    st.value_explained_var = ret_var > 1e-12 ? 1 - masked_var(returns - old_values) / ret_var : 0;
  }
  for (auto& [name, t] : b.rows)
    if (name == "advantage") t = adv;
  b.rows.emplace_back("old_values", old_values);
  b.rows.emplace_back("returns", returns);
  // Each completion's advantage, for the rollout records: its tokens' mean.
  const auto per_row = (adv.sum(1) / b.mask.sum(1).clamp_min(1.0));
  for (int64_t i = 0; i < N; ++i) rb.rollouts[size_t(i)].advantage = per_row[i].item<double>();
}

torch::Tensor ValueCritic::loss(TransformerLM& model, const torch::Tensor& hidden, const Batch& b) {
  return value_loss(values(model, hidden), b.row_tensor("old_values"), b.row_tensor("returns"), b.mask, rl_.value_clip);
}

}  // namespace r1wb::gpu
