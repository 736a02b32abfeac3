#include "gpu/rl/rollouts.h"

#include "core/tasks/reasoning_tasks.h"
#include "gpu/rl/policy_loss.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace r1wb::gpu {
namespace {

using Group = std::vector<Rollout>;
using Clock = std::chrono::steady_clock;

bool correctness_varies(const Group& g) {
  for (const auto& r : g)
    if (r.components.accuracy != g.front().components.accuracy) return true;
  return false;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

//! The population std (as the libraries log spreads).
double std_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.empty() ? 0 : std::sqrt(s / double(v.size()));
}

//! Per-token log-probs of the batch's targets under `model`.
torch::Tensor forward_logprobs(TransformerLM& model, const Batch& b, double temperature, int64_t rows_per_pass) {
  return forward_in_passes(model, b.input, rows_per_pass, [&](const LMOutput& out, int64_t first, int64_t n) {
    return token_logprobs(out.logits, b.target.narrow(0, first, n).to(out.logits.device()), temperature);
  });
}

}  // namespace

torch::Tensor forward_in_passes(TransformerLM& model, const torch::Tensor& input, int64_t rows_per_pass,
                                const std::function<torch::Tensor(const LMOutput&, int64_t, int64_t)>& per_pass) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();  // no balancing counts from these forwards
  const auto device = model->parameters().front().device();
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < input.size(0); first += rows_per_pass) {
    const int64_t n = std::min(rows_per_pass, input.size(0) - first);
    parts.push_back(per_pass(model->forward(input.narrow(0, first, n).to(device)), first, n).to(torch::kCPU));
  }
  model->train(was_training);
  return torch::cat(parts);
}

torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& target, double temperature) {
  auto scaled = temperature == 1.0 ? logits.to(torch::kFloat32) : logits.to(torch::kFloat32) / temperature;
  return torch::log_softmax(scaled, -1).gather(-1, target.unsqueeze(-1)).squeeze(-1);
}

RolloutSource::RolloutSource(const Experiment& e, TransformerLM policy, const Tokenizer& tokenizer,
                             TransformerLM reference)
    : TrainingData(e.data), e_(e), policy_(std::move(policy)), reference_(std::move(reference)), tokenizer_(tokenizer) {
}

Batch RolloutSource::batch(int64_t step, int micro, const DifficultyMix& mix) {
  const int64_t first_step = step - (step - 1) % e_.rl.iterations;  // the step that samples this batch
  if (!sampled_ || current_.step != first_step) {
    current_ = sample(first_step, mix);
    if (on_sampled_) on_sampled_(current_);
    sampled_ = true;
  }
  const int64_t rows = e_.train.batch_size, first = rows * micro;
  const Batch& all = current_.batch;
  Batch b;
  b.input = all.input.narrow(0, first, rows);
  b.target = all.target.narrow(0, first, rows);
  b.mask = all.mask.narrow(0, first, rows);
  int64_t real = 0;
  for (int64_t i = first; i < first + rows; ++i) real += current_.row_tokens[size_t(i)];
  b.padding = b.input.numel() - real;
  for (const auto& [name, t] : all.rows) b.rows.emplace_back(name, t.narrow(0, first, rows));
  return b;
}

RolloutBatch RolloutSource::sample(int64_t step, const DifficultyMix& mix) {
  const auto& r = e_.rl;
  const auto& t = e_.train;
  const int G = r.group_size;
  const int N = t.batch_size * t.grad_accum, P = N / G;
  const std::string task = name_of(e_.data.task);
  const auto start = Clock::now();
  std::seed_seq seed{uint64_t(e_.data.seed), uint64_t(step), uint64_t(0x524c5257)};
  std::mt19937_64 rng(seed);
  std::discrete_distribution<int> level(mix.begin(), mix.end());
  SamplingOptions o;
  o.temperature = r.temperature, o.top_k = r.top_k, o.top_p = r.top_p, o.max_new_tokens = r.max_new_tokens;

  RolloutBatch out;
  out.step = step;
  int64_t sampled_tokens = 0;
  int drawn = 0;
  // Draws `count` new groups in one sampling batch.
  auto draw_groups = [&](int count) {
    std::vector<std::string> prompts;
    for (int i = 0; i < count; ++i) {
      const int difficulty = e_.data.min_difficulty + level(rng);
      prompts.push_back(make_example(task, difficulty, rng, Split::Train).prompt);
    }
    o.seed = rng();
    auto sampled = sample_groups(policy_, tokenizer_, prompts, G, o);
    std::vector<Group> groups;
    for (int i = 0; i < count; ++i) {
      Group g;
      for (auto& c : sampled[size_t(i)]) {
        Rollout ro;
        ro.prompt = prompts[size_t(i)];
        ro.components = score_completion(task, ro.prompt, c.text, c.tokens, r.max_new_tokens);
        ro.reward = shaped_reward(ro.components, r, int64_t(c.tokens.size()));
        sampled_tokens += int64_t(c.tokens.size());
        ro.completion = std::move(c);
        g.push_back(std::move(ro));
      }
      groups.push_back(std::move(g));
    }
    drawn += count;
    return groups;
  };
  std::vector<Group> kept, flat;  // flat: all right or all wrong (dynamic sampling replaces them)
  for (int round = 0; int(kept.size()) < P && (round == 0 || (r.dynamic_sampling && round <= r.max_resample_rounds));
       ++round)
    for (auto& g : draw_groups(P - int(kept.size())))
      (!r.dynamic_sampling || correctness_varies(g) ? kept : flat).push_back(std::move(g));
  for (size_t i = 0; int(kept.size()) < P; ++i) kept.push_back(std::move(flat[i]));  // still flat after the rounds
  out.stats.resampled_groups = double(drawn - P);

  // Advantages over [P, G] rewards.
  auto rewards = torch::empty({P, G}, torch::kFloat32);
  for (int p = 0; p < P; ++p)
    for (int g = 0; g < G; ++g) rewards[p][g] = float(kept[p][g].reward);
  torch::Tensor adv;
  switch (r.advantage) {
    case AdvantageKind::Grpo: adv = grpo_advantages(rewards, r.scale_rewards); break;
    case AdvantageKind::Rloo: adv = rloo_advantages(rewards); break;
    case AdvantageKind::Gae: adv = rewards; break;  // the critic's on_sampled makes them per token
  }
  adv = adv.contiguous();
  for (int p = 0; p < P; ++p)
    for (int g = 0; g < G; ++g) {
      kept[p][g].advantage = adv[p][g].item<double>();
      out.rollouts.push_back(std::move(kept[p][g]));
    }

  // Rows: prompt then completion, the loss on completion tokens.
  std::vector<std::vector<int64_t>> seqs;
  std::vector<int64_t> prompt_len;
  int64_t L = 2;
  for (const auto& ro : out.rollouts) {
    auto ids = tokenizer_.encode(ro.prompt);
    prompt_len.push_back(int64_t(ids.size()));
    ids.insert(ids.end(), ro.completion.tokens.begin(), ro.completion.tokens.end());
    L = std::max<int64_t>(L, int64_t(ids.size()));
    out.row_tokens.push_back(int64_t(ids.size()) - 1);
    seqs.push_back(std::move(ids));
  }
  const int64_t W = L - 1;
  auto input = torch::zeros({N, W}, torch::kInt64), target = torch::zeros({N, W}, torch::kInt64);
  auto mask = torch::zeros({N, W}, torch::kFloat32), sample_logp = torch::zeros({N, W}, torch::kFloat32);
  auto* in = input.data_ptr<int64_t>();
  auto* tg = target.data_ptr<int64_t>();
  auto* mk = mask.data_ptr<float>();
  auto* sl = sample_logp.data_ptr<float>();
  for (int64_t i = 0; i < N; ++i) {
    const auto& s = seqs[size_t(i)];
    const auto& c = out.rollouts[size_t(i)].completion;
    const bool masked_out = r.mask_truncated && c.truncated;
    for (int64_t j = 0; j + 1 < int64_t(s.size()); ++j) {
      in[i * W + j] = s[size_t(j)];
      tg[i * W + j] = s[size_t(j + 1)];
      const int64_t k = j + 1 - prompt_len[size_t(i)];  // the completion token this position predicts
      if (k >= 0) {
        mk[i * W + j] = masked_out ? 0.f : 1.f;
        sl[i * W + j] = c.logprobs[size_t(k)];
      }
    }
  }
  out.batch.input = input, out.batch.target = target, out.batch.mask = mask;
  out.completion_tokens = mask.sum().item<double>();
  auto adv_rows = torch::empty({N}, torch::kFloat32);
  for (int64_t i = 0; i < N; ++i) adv_rows[i] = float(out.rollouts[size_t(i)].advantage);
  out.batch.rows = {{"advantage", adv_rows}, {"sample_logp", sample_logp}};
  const double sampling_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (r.iterations > 1)
    out.batch.rows.emplace_back("old_logp", forward_logprobs(policy_, out.batch, r.temperature, t.batch_size));
  if (reference_)
    out.batch.rows.emplace_back("ref_logp", forward_logprobs(reference_, out.batch, r.temperature, t.batch_size));

  // Telemetry.
  auto& st = out.stats;
  std::vector<double> all_rewards, lengths, group_std;
  std::vector<std::vector<double>> comps(reward_component_names().size());
  double entropy = 0, entropy_n = 0, truncated = 0;
  for (const auto& ro : out.rollouts) {
    all_rewards.push_back(ro.reward);
    lengths.push_back(double(ro.completion.tokens.size()));
    const auto v = ro.components.values();
    for (size_t c = 0; c < v.size(); ++c) comps[c].push_back(v[c]);
    for (float h : ro.completion.entropy) entropy += h, entropy_n += 1;
    truncated += ro.completion.truncated ? 1 : 0;
  }
  int zero_std = 0;
  for (int p = 0; p < P; ++p) {
    std::vector<double> g(all_rewards.begin() + p * G, all_rewards.begin() + (p + 1) * G);
    const double sd = std_of(g);
    group_std.push_back(sd);
    zero_std += sd < 1e-9 ? 1 : 0;
  }
  st.reward_mean = mean_of(all_rewards);
  st.reward_std = mean_of(group_std);
  for (const auto& c : comps) st.component_mean.push_back(mean_of(c)), st.component_std.push_back(std_of(c));
  st.frac_reward_zero_std = double(zero_std) / P;
  st.mean_length = mean_of(lengths);
  st.min_length = *std::min_element(lengths.begin(), lengths.end());
  st.max_length = *std::max_element(lengths.begin(), lengths.end());
  st.clipped_ratio = truncated / N;
  st.entropy = entropy_n > 0 ? entropy / entropy_n : 0;
  st.sample_ms = sampling_ms;
  st.sampled_tokens_per_s = sampling_ms > 0 ? double(sampled_tokens) / (sampling_ms / 1000) : 0;
  return out;
}

}  // namespace r1wb::gpu
