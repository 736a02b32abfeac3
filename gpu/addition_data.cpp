#include "gpu/addition_data.h"

#include "core/addition_task.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace r1wb::gpu {

AdditionData::AdditionData(const DataConfig& data, const CurriculumConfig& curriculum, int total_steps, int batch_size)
    : data_(data), curriculum_(curriculum), total_steps_(total_steps), batch_size_(batch_size) {}

int AdditionData::max_digits_at(int64_t step) const {
  if (curriculum_.mode != "digits_ramp" || curriculum_.ramp_fraction <= 0) return data_.max_digits;
  const int levels = data_.max_digits - data_.min_digits + 1;
  const double progress = double(step - 1) / (curriculum_.ramp_fraction * total_steps_);
  return std::min(data_.max_digits, data_.min_digits + static_cast<int>(std::floor(progress * levels)));
}

Batch AdditionData::batch(int64_t step, int micro) const {
  const int L = data_.seq_len;
  std::seed_seq seed{uint64_t(data_.seed), uint64_t(step), uint64_t(micro), uint64_t(0x52315742)};
  std::mt19937_64 rng(seed);
  const int hi_digits = max_digits_at(step);
  std::uniform_int_distribution<int> digits(data_.min_digits, hi_digits);
  auto operand = [&] {
    const int d = digits(rng);
    const uint64_t lo = d == 1 ? 0 : static_cast<uint64_t>(std::pow(10.0, d - 1));
    const uint64_t hi = static_cast<uint64_t>(std::pow(10.0, d)) - 1;
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };

  auto tokens = torch::empty({batch_size_, L + 1}, torch::kInt64);
  auto completion = torch::zeros({batch_size_, L + 1}, torch::kFloat32);
  auto* tok = tokens.data_ptr<int64_t>();
  auto* msk = completion.data_ptr<float>();
  for (int b = 0; b < batch_size_; ++b) {
    int pos = 0;
    while (pos < L + 1) {
      const auto ex = format_addition(operand(), operand());
      for (int part = 0; part < 2 && pos < L + 1; ++part) {
        const std::string& text = part == 0 ? ex.prompt : ex.completion;
        for (size_t i = 0; i < text.size() && pos < L + 1; ++i, ++pos) {
          tok[b * (L + 1) + pos] = static_cast<unsigned char>(text[i]);
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
