// The records a training loop emits about its steps: the metrics of each log window (every
// telemetry.log_every steps: the last step's values, throughput and the step split averaged
// over the window, the MoE layers' balance) and the expert-load and bias snapshots. Names and
// shapes are the telemetry contract's (core/wire/telemetry.h).
#pragma once
#include "core/config/config.h"
#include "core/wire/event_protocol.h"
#include "gpu/model/transformer.h"
#include "gpu/train/step_runner.h"

#include <chrono>
#include <vector>

namespace r1wb::gpu {

class StepTelemetry {
 public:
  explicit StepTelemetry(const Experiment& experiment);
  //! Adds a finished step to the current window.
  void add(const StepStats& s);
  //! The window's metrics record at step s (then a new window starts). `tokens` is the
  //! run's cumulative train/tokens; `loss_scale` is reported when fp16 scaling is on.
  wire::Metrics take(const StepStats& s, int64_t tokens, int curriculum_phase, bool loss_scaling);
  //! Real tokens per second over the window take() closed last.
  double last_tokens_per_s() const { return last_tps_; }
  //! Real tokens of every closed window, and of the open one.
  int64_t tokens_seen() const { return closed_tokens_ + window_.tokens; }
  //! moe/expert_load [moe layers, experts] of a step.
  static wire::Snapshot expert_load(const StepStats& s);
  //! moe/expert_bias [moe layers, experts]: every MoE layer's selection biases.
  static wire::Snapshot expert_bias(TransformerLM& model, int64_t step);

 private:
  const Experiment& e_;
  struct Window {
    double forward_ms = 0, backward_ms = 0, optimizer_ms = 0;
    int64_t tokens = 0, padding = 0, steps = 0;  // tokens of the global batches
  } window_;
  std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
  int64_t closed_tokens_ = 0;
  double last_tps_ = 0;
};

}  // namespace r1wb::gpu
