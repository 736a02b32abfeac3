// Sampling throughput of an experiment's model (randomly initialised: speed does not depend
// on what the weights learned): a group of `batch` completions of one prompt, each exactly
// `new_tokens` long (no stop strings), with the KV cache and without it (the whole sequence
// recomputed for every token, what a sampler without a cache does), measured side by side
// in one process. The prompt is a task prompt of the experiment's data section.
#pragma once
#include "core/config/config.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"
#include "gpu/sample/sampler.h"

#include <string>

namespace r1wb::gpu {

struct SampleBenchResult {
  int batch = 0, new_tokens = 0, prompt_tokens = 0, repeats = 0;
  double cached_ms = 0, recomputed_ms = 0;  //!< best of `repeats` for the whole group
  double cached_tokens_per_s() const { return batch * new_tokens / (cached_ms / 1000.0); }
  double recomputed_tokens_per_s() const { return batch * new_tokens / (recomputed_ms / 1000.0); }
  std::string device;
};

//! The best of `repeats` timed groups of `batch` completions of `prompt` as `o` samples them, in
//! milliseconds, after one untimed group (kernels, the allocator); repeat i samples with seed i.
//! What `bench-sample` and the compression report's tokens/s time.
double best_group_ms(TransformerLM& model, const Tokenizer& tokenizer, const std::string& prompt, int batch,
                     SamplingOptions o, int repeats);

//! model.max_seq_len is raised to fit prompt + new_tokens when it is shorter (RoPE tables
//! only). `recompute` false skips the slow baseline. With a trace path, one more cached group
//! is recorded by LibTorch's profiler as a Chrome trace (not timed).
SampleBenchResult run_sample_bench(Experiment e, int batch, int new_tokens, int repeats, bool recompute = true,
                                   const std::string& trace_path = "");

}  // namespace r1wb::gpu
