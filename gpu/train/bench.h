// Throughput of an experiment's training step, measured rather than assumed: tokens/s,
// achieved model FLOP/s (3x the forward FLOPs of model_cost: forward + backward), the step
// split into data, forward, backward and optimizer, and the FLOP/s of a plain square sgemm
// measured in the same process with the same threads: the physical limit for comparison.
// The step timed is the training loop's own (step_runner.h: loss scaling, clipping and the
// non-finite guard included), so a bench times what a run does.
#pragma once
#include "core/config/config.h"
#include "gpu/model/transformer.h"

namespace r1wb::gpu {

struct BenchResult {
  int steps = 0;
  int64_t tokens_per_step = 0;
  double data_ms = 0, forward_ms = 0, backward_ms = 0, optimizer_ms = 0;  //!< mean per step
  double guard_ms = 0;  //!< of optimizer_ms: the update guard (weights kept and checked)
  double compute_ms() const { return forward_ms + backward_ms + optimizer_ms; }
  double tokens_per_s = 0;                 //!< over forward + backward + optimizer (data excluded)
  double model_flops_per_s = 0;            //!< 3 * forward FLOPs/token * tokens/s
  double sgemm_flops_per_s = 0;            //!< n x n x n float32 matmul, same device and threads
  double sgemm_all_cores_flops_per_s = 0;  //!< the same with OpenBLAS on every core: the machine's limit
  double peak_memory_mb = 0;               //!< the process's peak after the timed steps (peak_memory.h)
  ModelCost cost;
  std::string device;
};

//! Runs `warmup` untimed then `steps` timed optimizer steps of the experiment (no checkpoints,
//! no events). sgemm_n 0 skips the sgemm measurement. With a trace path, the timed steps are
//! also recorded by LibTorch's profiler as a Chrome trace (chrome://tracing, Perfetto).
BenchResult run_bench(const Experiment& experiment, int warmup, int steps, int sgemm_n = 1024,
                      const std::string& trace_path = "");

//! FLOP/s of an n x n x n float32 matmul on `device`, best of several timed repetitions.
double measure_sgemm_flops(int n, torch::Device device);

}  // namespace r1wb::gpu
