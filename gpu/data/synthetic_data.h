// Training batches of a synthetic reasoning task (core/tasks/reasoning_tasks.h). Examples are
// packed back to back (no padding) and the loss mask covers completion tokens only; prompt
// and completion are tokenized separately. Each example's difficulty is drawn from the mix
// the curriculum gives for the step. Held-out prompts (reasoning_tasks.h's split) never appear.
#pragma once
#include "gpu/data/training_data.h"

namespace r1wb::gpu {

class SyntheticData : public TrainingData {
 public:
  SyntheticData(const DataConfig& data, int batch_size, const Tokenizer& tokenizer);
  Batch batch(int64_t step, int micro, const DifficultyMix& mix) override;

 private:
  int batch_size_;
  const Tokenizer& tokenizer_;
};

}  // namespace r1wb::gpu
