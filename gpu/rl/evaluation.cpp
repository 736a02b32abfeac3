#include "gpu/rl/evaluation.h"

#include "core/tasks/reasoning_tasks.h"
#include "core/tasks/verifiers.h"
#include "core/wire/telemetry.h"

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

EvalResult evaluate(TransformerLM& model, const Tokenizer& tokenizer, const EvalOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  std::seed_seq seed{uint64_t(o.seed), uint64_t(0x4556414c)};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> level(o.min_difficulty, o.max_difficulty);
  EvalResult r;
  r.prompts = o.prompts, r.k = o.k;
  double correct = 0, formatted = 0, length = 0, truncated = 0, solved = 0;
  std::vector<std::string> prompts;
  for (int p = 0; p < o.prompts; ++p) prompts.push_back(make_example(o.task, level(rng), rng, Split::HeldOut).prompt);
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
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::vector<std::pair<std::string, double>> eval_metrics(const EvalResult& r) {
  namespace tm = telemetry;
  return {{tm::kEvalAccuracy, r.accuracy},
          {tm::kEvalPassAt1, r.accuracy},
          {tm::kEvalPassAtK, r.pass_at_k},
          {tm::kEvalFormatRate, r.format_rate},
          {tm::kEvalMeanLength, r.mean_length}};
}

}  // namespace r1wb::gpu
