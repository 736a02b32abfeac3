#include "gpu/sample/sample_bench.h"

#include "core/tasks/reasoning_tasks.h"
#include "gpu/runtime/device.h"
#include "gpu/runtime/device_timer.h"
#include "gpu/runtime/host_allocator.h"
#include "gpu/runtime/threads.h"
#include "gpu/sample/sampler.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace r1wb::gpu {

double best_group_ms(TransformerLM& model, const Tokenizer& tokenizer, const std::string& prompt, int batch,
                     SamplingOptions o, int repeats) {
  const auto device = model->parameters().front().device();
  sample_group(model, tokenizer, prompt, batch, o);
  double ms = 1e30;
  for (int i = 0; i < repeats; ++i) {
    o.seed = uint64_t(i);
    ms = std::min(ms, timed_ms(device, [&] { sample_group(model, tokenizer, prompt, batch, o); }));
  }
  return ms;
}

SampleBenchResult run_sample_bench(Experiment e, int batch, int new_tokens, int repeats, bool recompute,
                                   const std::string& trace_path) {
  if (auto note = apply_thread_settings(e.train.threads, e.train.blas_threads); !note.empty())
    std::fprintf(stderr, "warning: %s\n", note.c_str());
  keep_freed_host_memory();
  const auto device = training_device(e.train.device);
  std::mt19937_64 rng(e.data.seed);
  const auto task = e.data.task == Task::Text ? Task::Addition : e.data.task;
  const auto prompt = make_example(name_of(task), std::max(1, e.data.max_difficulty), rng).prompt;
  ByteTokenizer bytes;
  const int prompt_tokens = int(bytes.encode(prompt).size());
  e.model.max_seq_len = std::max<int64_t>(e.model.max_seq_len, prompt_tokens + new_tokens);
  torch::manual_seed(e.train.seed);
  TransformerLM model(e.model);
  model->to(device);
  SamplingOptions o;
  o.max_new_tokens = new_tokens;
  o.stop = {};
  SampleBenchResult r;
  r.batch = batch, r.new_tokens = new_tokens, r.prompt_tokens = prompt_tokens, r.repeats = repeats;
  r.device = device.str();
  auto best = [&](bool cache) {
    o.use_cache = cache;
    return best_group_ms(model, bytes, prompt, batch, o, repeats);
  };
  r.cached_ms = best(true);
  if (recompute) r.recomputed_ms = best(false);
  if (!trace_path.empty()) {
    o.use_cache = true;
    torch::autograd::profiler::RecordProfile trace(trace_path);
    sample_group(model, bytes, prompt, batch, o);
  }
  return r;
}

}  // namespace r1wb::gpu
