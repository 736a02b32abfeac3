// Held-out evaluation of a policy on a synthetic task: k samples for each of n prompts from
// the task's held-out split (reasoning_tasks.h; never in a training batch), scored by the
// strict verifier. The prompt set and the sampling seeds depend only on the seed, so two
// evaluations of different checkpoints see the same prompts and random numbers, and their
// difference is the model's. Beside the samples, the next-token loss of each prompt's reference
// completion (teacher-forced): a smooth measure of the same held-out set, what quantization's
// and distillation's comparisons use. What `r1wb-run eval` prints and RL logs as eval/*.
#pragma once
#include "core/config/config.h"
#include "gpu/sample/sampler.h"

#include <string>
#include <utility>
#include <vector>

namespace r1wb::gpu {

struct EvalOptions {
  std::string task = "addition";
  int min_difficulty = 1, max_difficulty = 1;  //!< prompts uniform over these levels
  int prompts = 64;
  int k = 4;                 //!< samples per prompt
  SamplingOptions sampling;  //!< its seed is replaced per prompt
  uint64_t seed = 0;
};

struct EvalResult {
  int prompts = 0, k = 0;
  double accuracy = 0;     //!< pass@1: share of all samples the verifier accepts
  double pass_at_k = 0;    //!< share of prompts with at least one accepted sample among k
  double format_rate = 0;  //!< share of samples in <think>...</think><answer>...</answer>
  double mean_length = 0;  //!< completion tokens
  double truncated = 0;    //!< share of samples that ran out of budget
  double loss = 0;         //!< mean next-token loss (nats) on the prompts' reference completions
  double seconds = 0;
};

//! The experiment's own evaluation: its task and difficulties, rl.eval_prompts x rl.eval_k
//! samples with the rl section's sampling, seeded by data.seed (RL's eval/*, and what
//! `r1wb-run eval` starts from before its options).
EvalOptions eval_options(const Experiment& experiment);

EvalResult evaluate(TransformerLM& model, const Tokenizer& tokenizer, const EvalOptions& options);

//! eval/accuracy, eval/pass@1, eval/pass@k, eval/format_rate, eval/mean_length, eval/loss.
std::vector<std::pair<std::string, double>> eval_metrics(const EvalResult& r);

}  // namespace r1wb::gpu
