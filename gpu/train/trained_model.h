// A trained run opened for reading: its experiment (config.json), its tokenizer, and the
// weights of one checkpoint on the run's device, in eval mode. What `r1wb-run sample` and
// `eval` read, and where a later stage (SFT, RL) takes its parent's weights from. Opening a
// run never changes it.
#pragma once
#include "core/config/config.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace r1wb::gpu {

struct TrainedModel {
  Experiment experiment;
  TransformerLM model{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
  int64_t step = 0;  //!< the checkpoint loaded
};

//! Throws std::runtime_error naming the file when config.json is missing or invalid, and
//! CheckpointError when the checkpoint is (see load_model_weights). `log` gets warnings. A run
//! trained quantization-aware opens quantized (as it trained) from quant.start_step on.
TrainedModel open_trained_model(const std::string& run_dir, std::optional<int64_t> step, const Log& log);

//! Runs the model as `q` quantizes it: its block matrices (and inputs) fake-quantized, as in
//! quantization-aware training, or as post-training quantization (round to nearest) of a float
//! model; a QuantConfig without a grid runs it in float.
void run_quantized(TrainedModel& t, const QuantConfig& q);

}  // namespace r1wb::gpu
