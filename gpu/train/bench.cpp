#include "gpu/train/bench.h"

#include "gpu/runtime/autocast_scope.h"
#include "gpu/runtime/device.h"
#include "gpu/runtime/device_timer.h"
#include "gpu/runtime/host_allocator.h"
#include "gpu/train/lm_loss.h"
#include "gpu/train/lr_schedule.h"
#include "gpu/train/optimizer.h"
#include "gpu/runtime/peak_memory.h"
#include "gpu/runtime/threads.h"
#include "gpu/data/training_data.h"

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
  apply_thread_settings(e.train.threads, e.train.blas_threads);
  keep_freed_host_memory();
  const auto device = training_device(e.train.device);
  torch::manual_seed(e.train.seed);
  TransformerLM model(e.model);
  model->set_recompute_layers(e.train.recompute_layers);
  model->to(device);
  model->train();
  auto optimizer = make_optimizer(model, e.train);
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
  int64_t timed_tokens = 0;

  BenchResult r;
  r.steps = steps;
  r.device = device.str();
  r.tokens_per_step = int64_t(e.train.batch_size) * e.data.seq_len * e.train.grad_accum;
  r.cost = model_cost(e.model, e.data.seq_len);
  auto params = model->parameters();
  std::unique_ptr<torch::autograd::profiler::RecordProfile> trace;
  for (int i = 1; i <= warmup + steps; ++i) {
    const bool timed = i > warmup;
    if (i == warmup + 1 && !trace_path.empty())
      trace = std::make_unique<torch::autograd::profiler::RecordProfile>(trace_path);
    double data_ms = 0, fwd_ms = 0, bwd_ms = 0, opt_ms = 0;
    optimizer->zero_grad();
    for (int micro = 0; micro < e.train.grad_accum; ++micro) {
      Batch b;
      data_ms += timed_ms(device, [&] {
        b = data->batch(i, micro, mix);
        b.input = b.input.to(device), b.target = b.target.to(device), b.mask = b.mask.to(device);
      });
      if (timed) timed_tokens += b.input.numel() - b.padding;
      MicroBatchLoss mb;
      fwd_ms += timed_ms(device, [&] {
        AutocastScope autocast(e.train.precision, device);
        mb = micro_batch_loss(model, b);
      });
      bwd_ms += timed_ms(device, [&] { (mb.loss / double(e.train.grad_accum)).backward(); });
    }
    opt_ms = timed_ms(device, [&] {
      if (e.train.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, e.train.grad_clip);
      set_learning_rate(*optimizer, learning_rate(e.train, i));
      optimizer->step();
      model->update_expert_bias();
    });
    if (!timed) continue;
    r.data_ms += data_ms / steps, r.forward_ms += fwd_ms / steps;
    r.backward_ms += bwd_ms / steps, r.optimizer_ms += opt_ms / steps;
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
