#include "gpu/rl/evaluation.h"

#include "core/tasks/reasoning_tasks.h"
#include "core/tasks/verifiers.h"
#include "core/wire/telemetry.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace r1wb::gpu {

EvalOptions eval_options(const Experiment& e) {
  EvalOptions o;
  o.task = name_of(e.data.task);
  o.min_difficulty = e.data.min_difficulty, o.max_difficulty = e.data.max_difficulty;
  o.prompts = e.rl.eval_prompts, o.k = e.rl.eval_k;
  o.sampling.temperature = e.rl.temperature, o.sampling.top_k = e.rl.top_k, o.sampling.top_p = e.rl.top_p;
  o.sampling.max_new_tokens = e.rl.max_new_tokens;
  o.seed = uint64_t(e.data.seed);
  return o;
}

namespace {

//! Mean next-token loss over the completion tokens of `examples` (prompt then completion,
//! cut to the model's context), in batches of rows padded at the end.
double reference_loss(TransformerLM& model, const Tokenizer& tokenizer, const std::vector<TaskExample>& examples) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const auto device = model->parameters().front().device();
  const int64_t context = model->cfg.max_seq_len;
  double total = 0, count = 0;
  constexpr size_t kRows = 128;
  for (size_t first = 0; first < examples.size(); first += kRows) {
    const size_t n = std::min(kRows, examples.size() - first);
    std::vector<std::vector<int64_t>> rows;
    std::vector<int64_t> prompt_len;
    int64_t L = 2;
    for (size_t i = first; i < first + n; ++i) {
      auto ids = tokenizer.encode(examples[i].prompt);
      prompt_len.push_back(int64_t(ids.size()));
      const auto completion = tokenizer.encode(examples[i].completion);
      ids.insert(ids.end(), completion.begin(), completion.end());
      if (int64_t(ids.size()) > context) ids.resize(size_t(context));
      L = std::max<int64_t>(L, int64_t(ids.size()));
      rows.push_back(std::move(ids));
    }
    auto input = torch::zeros({int64_t(n), L - 1}, torch::kInt64), target = torch::zeros_like(input);
    auto mask = torch::zeros({int64_t(n), L - 1}, torch::kFloat32);
    for (size_t r = 0; r < n; ++r)
      for (int64_t j = 0; j + 1 < int64_t(rows[r].size()); ++j) {
        input[int64_t(r)][j] = rows[r][size_t(j)];
        target[int64_t(r)][j] = rows[r][size_t(j + 1)];
        if (j + 1 >= prompt_len[r]) mask[int64_t(r)][j] = 1.f;
      }
    const auto logits = model->forward(input.to(device)).logits.to(torch::kFloat32).to(torch::kCPU);
    const auto nll = -torch::log_softmax(logits, -1).gather(-1, target.unsqueeze(-1)).squeeze(-1);
    total += (nll * mask).sum().item<double>();
    count += mask.sum().item<double>();
  }
  model->train(was_training);
  return count > 0 ? total / count : 0;
}

}  // namespace

EvalResult evaluate(TransformerLM& model, const Tokenizer& tokenizer, const EvalOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  std::seed_seq seed{uint64_t(o.seed), uint64_t(0x4556414c)};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> level(o.min_difficulty, o.max_difficulty);
  EvalResult r;
  r.prompts = o.prompts, r.k = o.k;
  double correct = 0, formatted = 0, length = 0, truncated = 0, solved = 0;
  std::vector<TaskExample> examples;
  std::vector<std::string> prompts;
  for (int p = 0; p < o.prompts; ++p) {
    examples.push_back(make_example(o.task, level(rng), rng, Split::HeldOut));
    prompts.push_back(examples.back().prompt);
  }
  SamplingOptions s = o.sampling;
  s.seed = rng();
  const auto groups = sample_groups(model, tokenizer, prompts, o.k, s);
  for (size_t p = 0; p < prompts.size(); ++p) {
    bool any = false;
    for (const auto& c : groups[p]) {
      const auto v = verify_completion(o.task, prompts[p], c.text);
      correct += v.correct, formatted += v.formatted, any = any || v.correct;
      length += double(c.tokens.size()), truncated += c.truncated;
    }
    solved += any;
  }
  const double samples = double(o.prompts) * o.k;
  r.accuracy = correct / samples, r.format_rate = formatted / samples;
  r.mean_length = length / samples, r.truncated = truncated / samples;
  r.pass_at_k = solved / o.prompts;
  r.loss = reference_loss(model, tokenizer, examples);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::vector<std::pair<std::string, double>> eval_metrics(const EvalResult& r) {
  namespace tm = telemetry;
  return {{tm::kEvalAccuracy, r.accuracy},
          {tm::kEvalPassAt1, r.accuracy},
          {tm::kEvalPassAtK, r.pass_at_k},
          {tm::kEvalFormatRate, r.format_rate},
          {tm::kEvalMeanLength, r.mean_length},
          {tm::kEvalLoss, r.loss}};
}

}  // namespace r1wb::gpu
