#include "gpu/train/bench.h"

#include "gpu/data/training_data.h"
#include "gpu/runtime/autocast_scope.h"
#include "gpu/runtime/device.h"
#include "gpu/runtime/device_timer.h"
#include "gpu/runtime/host_allocator.h"
#include "gpu/runtime/peak_memory.h"
#include "gpu/runtime/threads.h"
#include "gpu/train/loss_scaler.h"
#include "gpu/train/optimizer.h"
#include "gpu/train/pretrain_objective.h"
#include "gpu/train/step_runner.h"

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/cuda.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace r1wb::gpu {

double measure_sgemm_flops(int n, torch::Device device) {
  auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto c = torch::mm(a, b);  // warm up the kernels and the allocator
  double best_ms = 1e30;
  for (int rep = 0; rep < 8; ++rep) best_ms = std::min(best_ms, timed_ms(device, [&] { c = torch::mm(a, b); }));
  return 2.0 * double(n) * n * n / (best_ms / 1000.0);
}

BenchResult run_bench(const Experiment& e, int warmup, int steps, int sgemm_n, const std::string& trace_path) {
  if (auto note = apply_thread_settings(e.train.threads, e.train.blas_threads); !note.empty())
    std::fprintf(stderr, "warning: %s\n", note.c_str());
  keep_freed_host_memory();
  const auto device = training_device(e.train.device);
  torch::manual_seed(e.train.seed);
  TransformerLM model(e.model);
  model->set_recompute_layers(e.train.recompute_layers);
  model->to(device);
  model->train();
  auto optimizer = make_optimizer(model, e.train);
  AutocastScope::check(e.train.precision, device);
  LossScaler scaler(e.train.precision == Precision::Fp16);
  PretrainObjective objective;
  StepRunner runner(e, model, *optimizer, objective, scaler, device, nullptr,
                    [](wire::LogLevel, const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  // A BPE tokenizer and a corpus's token cache live in a scratch folder for the bench's life.
  const auto scratch = std::filesystem::temp_directory_path() / ("r1wb-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(scratch);
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{scratch};
  auto log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto tokenizer = open_run_tokenizer(e, scratch.string(), log);
  auto data = open_training_data(e, *tokenizer, scratch.string(), log);
  const auto mix = data->uniform_mix();
  reset_peak_host_memory();  // the peak printed is the training steps', not the data preparation's

  BenchResult r;
  r.steps = steps;
  r.device = device.str();
  r.tokens_per_step = int64_t(e.train.batch_size) * e.data.seq_len * e.train.grad_accum;
  r.cost = model_cost(e.model, e.data.seq_len);
  std::unique_ptr<torch::autograd::profiler::RecordProfile> trace;
  int64_t timed_tokens = 0;
  for (int i = 1; i <= warmup + steps; ++i) {
    if (i == warmup + 1 && !trace_path.empty())
      trace = std::make_unique<torch::autograd::profiler::RecordProfile>(trace_path);
    const StepStats s = runner.run(i, *data, mix);  // the training loop's own step
    if (i <= warmup) continue;
    timed_tokens += s.tokens;
    r.data_ms += s.data_ms / steps, r.forward_ms += s.forward_ms / steps;
    r.backward_ms += s.backward_ms / steps, r.optimizer_ms += s.optimizer_ms / steps;
    r.guard_ms += s.guard_ms / steps;
  }
  trace.reset();  // writes the trace
  r.peak_memory_mb = peak_host_memory_mb();
  r.tokens_per_s = double(timed_tokens) / steps / (r.compute_ms() / 1000.0);
  r.model_flops_per_s = 3.0 * r.cost.forward_flops_per_token * r.tokens_per_s;
  if (sgemm_n > 0) {
    r.sgemm_flops_per_s = measure_sgemm_flops(sgemm_n, device);
    if (!device.is_cuda()) {
      apply_thread_settings(1, int(std::max(1u, std::thread::hardware_concurrency())));
      r.sgemm_all_cores_flops_per_s = measure_sgemm_flops(sgemm_n, device);
      apply_thread_settings(e.train.threads, e.train.blas_threads);
    } else {
      r.sgemm_all_cores_flops_per_s = r.sgemm_flops_per_s;
    }
  }
  return r;
}

}  // namespace r1wb::gpu
