#include "gpu/rl/value_critic.h"

#include "gpu/rl/policy_loss.h"

#include <algorithm>

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
  // The values at sampling time, pass by pass, in eval mode (no balancing counts).
  torch::Tensor old_values;
  {
    torch::NoGradGuard no_grad;
    const bool was_training = policy->is_training();
    policy->eval();
    const auto device = policy->parameters().front().device();
    std::vector<torch::Tensor> parts;
    for (int64_t first = 0; first < N; first += rows_per_pass_) {
      const int64_t n = std::min(rows_per_pass_, N - first);
      parts.push_back(values(policy, policy->forward(b.input.narrow(0, first, n).to(device)).hidden).to(torch::kCPU));
    }
    policy->train(was_training);
    old_values = torch::cat(parts) * b.mask;
  }
  // Rewards per token: the completion's shaped reward on its last token, the KL penalty on each.
  auto rewards = torch::zeros({N, W}, torch::kFloat32);
  const auto positions = torch::arange(W, torch::kInt64).view({1, W}).expand({N, W});
  const auto last = (positions * (b.mask > 0)).amax(1);  // each row's last completion position
  for (int64_t i = 0; i < N; ++i)
    if (b.mask[i].sum().item<double>() > 0) rewards[i][last[i].item<int64_t>()] = float(rb.rollouts[size_t(i)].reward);
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
