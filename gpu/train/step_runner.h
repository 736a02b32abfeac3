// One optimizer step, the part every stage shares (torchtitan's train_step): micro-batch
// accumulation under autocast, loss scaling, the data-parallel reduction, unscale and clip,
// the non-finite skip, the optimizer step (undone when it makes weights non-finite) and the
// MoE balancing hooks. What is optimised is the Objective's; when and what is logged,
// checkpointed and resumed is the loop's (trainer.h). `r1wb-run bench` times this same step.
#pragma once
#include "core/config/config.h"
#include "core/wire/event_protocol.h"
#include "gpu/data/training_data.h"
#include "gpu/model/transformer.h"
#include "gpu/train/loss_scaler.h"
#include "gpu/train/moe_balancing.h"
#include "gpu/train/objective.h"
#include "gpu/train/rank_group.h"

#include <torch/optim/optimizer.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace r1wb::gpu {

//! What one optimizer step did, for the loop's telemetry, tests and progress lines.
struct StepStats {
  int64_t step = 0;
  double loss = 0;  //!< the objective's loss (its first value), mean over micro-batches
  std::vector<std::pair<std::string, double>> values;  //!< every objective value, train/loss first
  double grad_norm = 0;
  double lr = 0;
  bool skipped = false;                         //!< non-finite loss or gradient, or an fp16 overflow: not applied
  double loss_scale = 1;                        //!< fp16 loss scale this step ran with (1 without fp16)
  std::vector<std::vector<float>> expert_load;  //!< [moe layers][experts]
  std::vector<int> moe_layers;                  //!< block index of each expert_load row
  std::vector<double> router_entropy;           //!< per MoE layer, mean normalised entropy
  std::vector<double> dropped_frac;             //!< per MoE layer, share of dropped assignments
  int64_t tokens = 0, padding = 0;              //!< real and padding tokens of the global batch
  double data_ms = 0, forward_ms = 0, backward_ms = 0, optimizer_ms = 0;  //!< where the step's time went
  double guard_ms = 0;  //!< of optimizer_ms: keeping and checking the weights around the update
  //! An objective value by name, or 0 when the objective did not report it.
  double value(const std::string& name) const;
};

class StepRunner {
 public:
  using LogFn = std::function<void(wire::LogLevel, const std::string&)>;
  //! Everything it is given outlives it. `ranks` is null without data parallelism.
  StepRunner(const Experiment& experiment, TransformerLM model, torch::optim::Optimizer& optimizer,
             Objective& objective, LossScaler& scaler, torch::Device device, RankGroup* ranks, LogFn log);
  //! Runs optimizer step `step` (1-based) on the micro-batches `data` yields for `mix`.
  //! `last` marks the run's final step (data parallel measures the ranks' gradient difference).
  StepStats run(int64_t step, TrainingData& data, const DifficultyMix& mix, bool last = false);
  //! Data parallel: the largest gradient difference between ranks at the last step; -1 before.
  double last_grad_difference() const { return last_grad_difference_; }

 private:
  struct MoeSums;  // per MoE layer: load, entropy, dropped, mean over micro-batches
  //! Sums gradients, balancing counts and the step's values across ranks.
  void sync_ranks(StepStats& s, MoeSums& moe, bool last);
  //! Unscale, clip, the non-finite guard and the optimizer step, undone when it made weights
  //! non-finite (the guard before it sees only the loss and the gradients).
  void apply(StepStats& s);
  void keep_weights();
  void restore_weights();
  bool weights_finite();

  const Experiment& e_;
  TransformerLM model_;
  torch::optim::Optimizer& optimizer_;
  Objective& objective_;
  LossScaler& scaler_;
  torch::Device device_;
  RankGroup* ranks_;
  LogFn log_;
  MoeBalancing balancing_;
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> kept_;  //!< the weights before the last optimizer step
  double last_grad_difference_ = -1;
};

}  // namespace r1wb::gpu
