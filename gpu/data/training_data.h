// Where training batches come from: a synthetic reasoning task (synthetic_data.h) or a text
// corpus (text_data.h), behind one interface so the trainer and bench do not care which.
// A batch is a pure function of (data.seed, step, micro-batch, mix) in both, so a resumed run
// sees exactly the batches it would have. RL's rollouts (gpu/rl) are a third source: they are
// sampled from the model being trained, which is why batch() is not const.
#pragma once
#include "core/config/config.h"
#include "gpu/data/tokenizer.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace r1wb::gpu {

struct Batch {
  torch::Tensor input;   // [batch, width] int64
  torch::Tensor target;  // [batch, width] int64, input shifted left by one
  torch::Tensor mask;    // [batch, width] float, 1 where the loss is taken
  int64_t padding = 0;   //!< positions that hold no token (bucketed or padded text rows)
  //! What a source adds for its objective, each with the batch's rows as its first dimension
  //! (RL: advantages, log-probs at sampling time); split and moved with the rows.
  std::vector<std::pair<std::string, torch::Tensor>> rows;
  //! The tensor `name` of rows, or an undefined tensor.
  torch::Tensor row_tensor(const std::string& name) const {
    for (const auto& [n, t] : rows)
      if (n == name) return t;
    return {};
  }
};

//! Weights over difficulty levels data.min_difficulty .. data.max_difficulty.
using DifficultyMix = std::vector<double>;

class TrainingData {
 public:
  virtual ~TrainingData() = default;
  //! The micro-batch `micro` of optimizer step `step` (1-based) with difficulties from `mix`.
  virtual Batch batch(int64_t step, int micro, const DifficultyMix& mix) = 0;
  //! Every level equally likely.
  DifficultyMix uniform_mix() const;

 protected:
  explicit TrainingData(const DataConfig& data) : data_(data) {}
  DataConfig data_;
};

//! The experiment's data, tokenized by `tokenizer`. A text corpus is tokenized into
//! run_dir/token_cache on first use (token_cache.h); `log` receives its progress lines.
std::unique_ptr<TrainingData> open_training_data(const Experiment& e, const Tokenizer& tokenizer,
                                                 const std::string& run_dir, const Log& log);

}  // namespace r1wb::gpu
