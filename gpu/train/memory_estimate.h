// What a run will need in memory, from its config alone, checked before anything is
// allocated: a config that validates can still ask for more than the machine has
// (model.vocab_size 1048576 wants 24 GiB of logits alone at batch 32 x 64 tokens), and the
// kernel's OOM killer says nothing useful. The estimate is deliberately coarse (weights,
// gradients, AdamW's moments and the update guard's copy; logits with their softmax and
// gradient; per-block activations and attention scores) and errs high; a test keeps its
// parameter count near the real model's.
#pragma once
#include "core/config/config.h"

#include <cstdint>
#include <optional>
#include <string>

namespace r1wb::gpu {

struct MemoryEstimate {
  int64_t parameters = 0;
  double state_bytes = 0;       //!< weights, gradients, optimizer moments, the kept copy
  double logits_bytes = 0;      //!< one micro-batch's logits, log-softmax and their gradient
  double activation_bytes = 0;  //!< one micro-batch's block activations and attention scores
  double total() const { return state_bytes + logits_bytes + activation_bytes; }
  //! "about 25.8 GiB (logits 24.0 GiB, weights and optimizer 1.3 GiB, activations 0.5 GiB)"
  std::string describe() const;
};

MemoryEstimate estimate_training_memory(const Experiment& e);
//! Bytes this machine can still hand out (MemAvailable), if it says.
std::optional<double> available_host_memory();
//! Throws with the estimate, what the machine has and which settings to lower when a CPU run
//! would not fit. GPU runs are not checked here.
void check_fits_in_host_memory(const Experiment& e);

}  // namespace r1wb::gpu
