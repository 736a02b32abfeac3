#include "gpu/data/synthetic_data.h"

#include "core/tasks/reasoning_tasks.h"

#include <random>

namespace r1wb::gpu {

SyntheticData::SyntheticData(const DataConfig& data, int batch_size, const Tokenizer& tokenizer)
    : TrainingData(data), batch_size_(batch_size), tokenizer_(tokenizer) {}

Batch SyntheticData::batch(int64_t step, int micro, const DifficultyMix& mix) {
  const int L = data_.seq_len;
  std::seed_seq seed{uint64_t(data_.seed), uint64_t(step), uint64_t(micro), uint64_t(0x52315742)};
  std::mt19937_64 rng(seed);
  std::discrete_distribution<int> level(mix.begin(), mix.end());

  auto tokens = torch::empty({batch_size_, L + 1}, torch::kInt64);
  auto completion = torch::zeros({batch_size_, L + 1}, torch::kFloat32);
  auto* tok = tokens.data_ptr<int64_t>();
  auto* msk = completion.data_ptr<float>();
  for (int b = 0; b < batch_size_; ++b) {
    int pos = 0;
    while (pos < L + 1) {
      const auto ex = make_example(name_of(data_.task), data_.min_difficulty + level(rng), rng, Split::Train);
      for (int part = 0; part < 2 && pos < L + 1; ++part) {
        const auto ids = tokenizer_.encode(part == 0 ? ex.prompt : ex.completion);
        for (size_t i = 0; i < ids.size() && pos < L + 1; ++i, ++pos) {
          tok[b * (L + 1) + pos] = ids[i];
          msk[b * (L + 1) + pos] = part == 1 ? 1.f : 0.f;
        }
      }
    }
  }
  using torch::indexing::Slice;
  return {tokens.index({Slice(), Slice(0, L)}).contiguous(), tokens.index({Slice(), Slice(1, L + 1)}).contiguous(),
          completion.index({Slice(), Slice(1, L + 1)}).contiguous()};
}

}  // namespace r1wb::gpu
