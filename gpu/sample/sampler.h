// Sampling completions from a model, the part RL rollouts, `r1wb-run sample` and `eval` share.
// A group of n completions of one prompt is one batch: the prompt is prefilled once and its
// KV cache (model/kv_cache.h) repeated n times (several prompts of one length: side by side); then one token per step for the rows still
// going, a finished row (a stop string, or the token budget) leaving the batch. Temperature,
// top-k and top-p shape the distribution; each token's log-probability and entropy are those
// of the distribution it was drawn from (logits / temperature, before top-k and top-p), which
// is what a trainer recomputes for the same tokens. No autograd, the model in eval mode.
// use_cache false recomputes the whole sequence each step (the benchmark's baseline).
#pragma once
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::gpu {

struct SamplingOptions {
  double temperature = 1.0;  //!< 0: greedy
  int top_k = 0;             //!< 0: all tokens
  double top_p = 1.0;        //!< nucleus; 1: all tokens
  int max_new_tokens = 128;
  std::vector<std::string> stop = {"</answer>"};  //!< a completion ends with the first it produces
  uint64_t seed = 0;
  bool use_cache = true;
};

struct Completion {
  std::vector<int64_t> tokens;
  std::vector<float> logprobs;  //!< per token, under the distribution it was drawn from
  std::vector<float> entropy;   //!< per token, of that distribution
  std::string text;
  bool truncated = false;  //!< the token budget ran out before a stop string
};

//! n completions of each prompt, in row order (seeded: the same options give the same texts).
//! Prompts of the same token length are sampled as one batch (their caches side by side, each
//! prompt's repeated n times), so RL's groups share every decode step.
std::vector<std::vector<Completion>> sample_groups(TransformerLM& model, const Tokenizer& tokenizer,
                                                   const std::vector<std::string>& prompts, int n,
                                                   const SamplingOptions& options);
//! n completions of `prompt`, in row order: sample_groups of one prompt.
std::vector<Completion> sample_group(TransformerLM& model, const Tokenizer& tokenizer, const std::string& prompt, int n,
                                     const SamplingOptions& options);

}  // namespace r1wb::gpu
