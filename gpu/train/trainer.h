// The pretraining loop: AdamW with warmup + cosine, gradient accumulation and clipping,
// fixed seeds, a skip guard for non-finite steps, telemetry records every N steps, atomic
// checkpoints, and resume from the newest checkpoint of the run directory. With one torch
// thread a resumed run is bit-identical to an uninterrupted one (data is a function of the
// step, and model + optimizer state are restored exactly).
#pragma once
#include "core/config/config.h"
#include "gpu/dist/data_parallel.h"
#include "gpu/train/event_sink.h"
#include "gpu/data/training_data.h"
#include "gpu/model/transformer.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace r1wb::gpu {

//! What one optimizer step did, for tests and progress lines.
struct StepStats {
  int64_t step = 0;
  double loss = 0;       //!< LM loss on completion tokens, mean over micro-batches
  double aux_loss = 0;
  double mtp_loss = 0;   //!< the MTP module's loss (0 when off)
  double grad_norm = 0;
  double lr = 0;
  bool skipped = false;  //!< non-finite loss or gradient, or an fp16 overflow: not applied
  double loss_scale = 1; //!< fp16 loss scale this step ran with (1 without fp16)
  std::vector<std::vector<float>> expert_load;  //!< [moe layers][experts]
  std::vector<int> moe_layers;                  //!< block index of each expert_load row
  std::vector<double> router_entropy;           //!< per MoE layer, mean normalised entropy
  std::vector<double> dropped_frac;             //!< per MoE layer, share of dropped assignments
};

struct TrainOptions {
  int64_t stop_after_step = -1;                      //!< --steps N; the schedule still spans train.steps
  const std::atomic<bool>* stop_requested = nullptr;  //!< set by SIGTERM: checkpoint and stop
  bool progress = false;                              //!< progress line on stderr
  std::function<void(const StepStats&)> on_step;
  DataParallel* data_parallel = nullptr;              //!< set on every rank of a --nproc run
};

struct TrainResult {
  std::string state;        //!< "completed" or "stopped"
  int64_t resumed_from = -1;
  int64_t last_step = 0;
  double last_loss = 0;
  double tokens_per_s = 0;  //!< over the steps this call ran
  double max_weight_difference = -1;  //!< data parallel: largest weight difference between ranks at the end
};

class Trainer {
 public:
  Trainer(const Experiment& experiment, std::string run_dir, EventSink& sink, std::string resolved_config_json);
  TrainResult run(const TrainOptions& options);
  TransformerLM& model() { return model_; }

 private:
  //! Sums gradients, bias counts and step statistics across data-parallel ranks.
  void sync_ranks(DataParallel& dp, StepStats& s, std::vector<torch::Tensor>& loads, std::vector<torch::Tensor>& entropy,
                  std::vector<torch::Tensor>& dropped, bool last_step);
  double last_grad_difference_ = -1;
  //! The run's tokenizer and batches. The lead rank trains the tokenizer and tokenizes the
  //! corpus when the run directory lacks them; the other ranks wait for it, then open them.
  std::pair<std::unique_ptr<Tokenizer>, std::unique_ptr<TrainingData>> open_data(DataParallel* dp);
  wire::Snapshot bias_snapshot(int64_t step);  //!< [moe layers, experts] selection biases
  //! A phase change: snapshot curriculum/mix [1, levels] (normalised) and a log line.
  void emit_curriculum_phase(int64_t step, int phase, const std::vector<double>& mix);

  Experiment e_;
  std::string run_dir_;
  EventSink& sink_;
  std::string config_json_;
  torch::Device device_{torch::kCPU};
  TransformerLM model_{nullptr};
};

}  // namespace r1wb::gpu
