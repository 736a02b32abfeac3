#include "gpu/data/synthetic_data.h"

namespace r1wb::gpu {

SyntheticData::SyntheticData(const DataConfig& data, int batch_size, const Tokenizer& tokenizer)
    : SyntheticData(data, batch_size, tokenizer, [task = std::string(name_of(data.task))](int d, std::mt19937_64& rng) {
        return make_example(task, d, rng, Split::Train);
      }) {}

SyntheticData::SyntheticData(const DataConfig& data, int batch_size, const Tokenizer& tokenizer, ExampleSource source)
    : TrainingData(data), batch_size_(batch_size), tokenizer_(tokenizer), source_(std::move(source)) {}

Batch SyntheticData::batch(int64_t step, int micro, const DifficultyMix& mix) {
  std::seed_seq seed{uint64_t(data_.seed), uint64_t(step), uint64_t(micro), uint64_t(0x52315742)};
  std::mt19937_64 rng(seed);
  std::discrete_distribution<int> level(mix.begin(), mix.end());
  return pack_examples(tokenizer_, batch_size_, data_.seq_len,
                       [&] { return source_(data_.min_difficulty + level(rng), rng); });
}

Batch pack_examples(const Tokenizer& tokenizer, int rows, int L, const std::function<TaskExample()>& next) {
  auto tokens = torch::empty({rows, L + 1}, torch::kInt64);
  auto completion = torch::zeros({rows, L + 1}, torch::kFloat32);
  auto* tok = tokens.data_ptr<int64_t>();
  auto* msk = completion.data_ptr<float>();
  for (int b = 0; b < rows; ++b) {
    int pos = 0;
    while (pos < L + 1) {
      const auto ex = next();
      for (int part = 0; part < 2 && pos < L + 1; ++part) {
        const auto ids = tokenizer.encode(part == 0 ? ex.prompt : ex.completion);
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
