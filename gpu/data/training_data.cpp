#include "gpu/data/training_data.h"

#include "gpu/data/synthetic_data.h"
#include "gpu/data/text_data.h"

namespace r1wb::gpu {

DifficultyMix TrainingData::uniform_mix() const {
  return DifficultyMix(data_.max_difficulty - data_.min_difficulty + 1, 1.0);
}

std::unique_ptr<TrainingData> open_training_data(const Experiment& e, const Tokenizer& tokenizer,
                                                 const std::string& run_dir, const Log& log) {
  if (e.data.task != Task::Text) return std::make_unique<SyntheticData>(e.data, e.train.batch_size, tokenizer);
  auto cache = std::make_unique<TokenCache>(corpus_files(e.data.corpus), tokenizer, run_dir + "/token_cache", log);
  return std::make_unique<TextData>(e.data, e.train.batch_size, e.train.grad_accum, std::move(cache));
}

}  // namespace r1wb::gpu
