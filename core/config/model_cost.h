// What an experiment costs before it runs: parameters, parameters active per token (shared
// weights plus top_k of the routed experts), FLOPs per token, and the time the run would
// take at the throughput this machine measured on earlier runs. The GUI's cost line and the
// engine's benchmark (achieved FLOP/s) use the same count; gpu_tests pin it to the
// parameters the engine's modules really create.
#pragma once
#include "core/config/config.h"

#include <optional>
#include <string>

namespace r1wb {

class Store;

//! Parameters and the FLOPs of one token's forward pass (2 per multiply-add, attention included).
struct ModelCost {
  int64_t params = 0;
  int64_t active_params = 0;
  double forward_flops_per_token = 0;
};
ModelCost model_cost(const ModelConfig& cfg, int seq_len);

//! A whole training run: training FLOPs per token are three forward passes (forward and
//! backward), over batch_size * grad_accum * seq_len tokens per step.
struct RunCost {
  ModelCost model;
  double train_flops_per_token = 0;
  int64_t tokens_per_step = 0;
  double total_flops = 0;
};
RunCost run_cost(const Experiment& e);

//! Training FLOP/s achieved on `host`: the mean perf/tokens_per_s of each of its most recent
//! completed runs, times that run's own training FLOPs per token, averaged over the runs.
struct Throughput {
  double flops_per_s = 0;
  int runs = 0;  //!< how many runs it was measured over
};
std::optional<Throughput> measured_throughput(Store& store, const std::string& host, int recent_runs = 10);

//! "1.23 M", "3.4 G", "512".
std::string si_number(double x);

}  // namespace r1wb
