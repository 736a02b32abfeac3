// The training loop shared by every stage: resume from the newest checkpoint, the step
// runner (step_runner.h) on the objective's loss, metric windows and snapshots
// (step_telemetry.h), probes, atomic checkpoints, the final status and a progress line.
// With one torch thread a resumed run is bit-identical to an uninterrupted one (data is a
// function of the step, and model + optimizer state are restored exactly).
#pragma once
#include "core/config/config.h"
#include "core/store/run_status.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/objective.h"
#include "gpu/train/rank_group.h"
#include "gpu/train/step_runner.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace r1wb::gpu {

struct TrainOptions {
  int64_t stop_after_step = -1;                       //!< --steps N; the schedule still spans train.steps
  const std::atomic<bool>* stop_requested = nullptr;  //!< SIGTERM or a Stop request: checkpoint and stop
  //! SIGUSR1 (Slurm's warning before preemption or the time limit): checkpoint and stop as preempted
  const std::atomic<bool>* preempt_requested = nullptr;
  std::atomic<bool>* probe_requested = nullptr;       //!< a ProbeNow request: probe after the step, then cleared
  bool progress = false;                              //!< progress line on stderr
  std::function<void(const StepStats&)> on_step;
  RankGroup* ranks = nullptr;  //!< set on every rank of a --nproc run
};

struct TrainResult {
  RunStatus state = RunStatus::Running;  //!< Completed, Stopped or Preempted after run()
  int64_t resumed_from = -1;
  int64_t last_step = 0;
  double last_loss = 0;
  double tokens_per_s = 0;            //!< over the steps this call ran
  double max_weight_difference = -1;  //!< data parallel: largest weight difference between ranks at the end
};

class Trainer {
 public:
  //! `objective` null: pretraining.
  Trainer(const Experiment& experiment, std::string run_dir, EventSink& sink, std::string resolved_config_json,
          std::unique_ptr<Objective> objective = nullptr);
  ~Trainer();
  TrainResult run(const TrainOptions& options);
  TransformerLM& model() { return model_; }

 private:
  //! The run's tokenizer and batches. The lead rank trains the tokenizer and tokenizes the
  //! corpus when the run directory lacks them; the other ranks wait for it, then open them.
  std::pair<std::unique_ptr<Tokenizer>, std::unique_ptr<TrainingData>> open_data(RankGroup* ranks);
  //! A phase change: snapshot curriculum/mix [1, levels] (normalised) and a log line.
  void emit_curriculum_phase(int64_t step, int phase, const std::vector<double>& mix);
  //! Quantization-aware training: fake quantization on for `step` when it comes after
  //! quant.start_step (logged when it turns on).
  void quantize_for(int64_t step);
  //! The snapshots due after step s: expert load and bias, probes (on cadence or request).
  void emit_snapshots(const StepStats& s, int64_t end, const Tokenizer& tokenizer, bool probe_now);
  //! Data parallel at the end: how far the ranks' weights drifted apart, as metrics and a line.
  double report_rank_drift(RankGroup& ranks, int64_t step, double grad_difference);

  Experiment e_;
  std::string run_dir_;
  EventSink& sink_;
  std::string config_json_;
  std::unique_ptr<Objective> objective_;
  torch::Device device_{torch::kCPU};
  TransformerLM model_{nullptr};
  bool quantized_ = false;
  std::vector<std::string> setup_warnings_;  //!< e.g. threads capped to the cores; logged when the run starts
};

}  // namespace r1wb::gpu
