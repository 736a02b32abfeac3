// Training batches of examples split at the prompt: a synthetic reasoning task's
// (core/tasks/reasoning_tasks.h), or another source of them (distillation's verified teacher
// samples). Examples are packed back to back (no padding) and the loss mask covers completion
// tokens only; prompt and completion are tokenized separately. Each example's difficulty is
// drawn from the mix the curriculum gives for the step. Held-out prompts (reasoning_tasks.h's
// split) never appear.
#pragma once
#include "core/tasks/reasoning_tasks.h"
#include "gpu/data/training_data.h"

#include <functional>
#include <random>

namespace r1wb::gpu {

//! The next example at a difficulty, drawn with `rng` (the batch's own generator).
using ExampleSource = std::function<TaskExample(int difficulty, std::mt19937_64& rng)>;

class SyntheticData : public TrainingData {
 public:
  //! The task's training split.
  SyntheticData(const DataConfig& data, int batch_size, const Tokenizer& tokenizer);
  SyntheticData(const DataConfig& data, int batch_size, const Tokenizer& tokenizer, ExampleSource source);
  Batch batch(int64_t step, int micro, const DifficultyMix& mix) override;

 private:
  int batch_size_;
  const Tokenizer& tokenizer_;
  ExampleSource source_;
};

//! Rows of seq_len + 1 tokens, each filled with `next()`'s examples back to back (the last one
//! cut), as input, target and completion mask.
Batch pack_examples(const Tokenizer& tokenizer, int rows, int seq_len, const std::function<TaskExample()>& next);

}  // namespace r1wb::gpu
