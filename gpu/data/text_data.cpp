#include "gpu/data/text_data.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace r1wb::gpu {

TextData::TextData(const DataConfig& data, int batch_size, int grad_accum, std::unique_ptr<TokenCache> cache)
    : TrainingData(data), batch_size_(batch_size), grad_accum_(grad_accum), cache_(std::move(cache)) {
  const uint64_t L1 = uint64_t(data.seq_len) + 1;
  if (data.packing == Packing::Pack) {
    if (cache_->size() < L1)
      throw std::runtime_error("data.corpus: " + std::to_string(cache_->size()) +
                               " tokens are fewer than data.seq_len + 1 (" + std::to_string(L1) + ")");
    return;
  }
  // Pieces of a long document overlap by one token, so every (token, next token) pair of
  // the document is a target in exactly one piece.
  for (uint64_t d = 0; d < cache_->documents(); ++d)
    for (uint64_t b = cache_->doc_begin(d); b + 1 < cache_->doc_end(d); b += L1 - 1)
      pieces_.push_back({b, uint32_t(std::min(L1, cache_->doc_end(d) - b))});
  if (pieces_.size() < size_t(batch_size))
    throw std::runtime_error("data.corpus: " + std::to_string(pieces_.size()) +
                             " documents (or pieces) are fewer than "
                             "train.batch_size (" +
                             std::to_string(batch_size) + ")");
  if (data.packing == Packing::Bucket)
    std::stable_sort(pieces_.begin(), pieces_.end(),
                     [](const Piece& a, const Piece& b) { return a.length < b.length; });
}

Batch TextData::batch(int64_t step, int micro, const DifficultyMix&) {
  return data_.packing == Packing::Pack ? pack(step, micro) : rows_batch(step, micro);
}

Batch TextData::pack(int64_t step, int micro) const {
  const int64_t L = data_.seq_len;
  std::seed_seq seed{uint64_t(data_.seed), uint64_t(step), uint64_t(micro), uint64_t(0x7465787)};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> offset(0, cache_->size() - uint64_t(L) - 1);
  auto tokens = torch::empty({batch_size_, L + 1}, torch::kInt64);
  auto* tok = tokens.data_ptr<int64_t>();
  for (int b = 0; b < batch_size_; ++b) {
    const uint32_t* src = cache_->tokens() + offset(rng);
    std::copy(src, src + L + 1, tok + b * (L + 1));
  }
  using torch::indexing::Slice;
  return {tokens.index({Slice(), Slice(0, L)}).contiguous(), tokens.index({Slice(), Slice(1, L + 1)}).contiguous(),
          torch::ones({batch_size_, L}), 0};
}

void TextData::arrange(uint64_t epoch) const {
  if (!epoch_rows_.empty() && epoch_ == epoch) return;
  // Each epoch: rows into groups of batch_size (bucket: consecutive in length order from a
  // random offset, so the rows left over differ between epochs; pad: a fresh shuffle), and
  // the groups in a shuffled order.
  const uint64_t B = uint64_t(batch_size_), groups = pieces_.size() / B;
  std::seed_seq seed{uint64_t(data_.seed), epoch, uint64_t(0x6275636b)};
  std::mt19937_64 rng(seed);
  epoch_rows_.resize(pieces_.size());
  std::iota(epoch_rows_.begin(), epoch_rows_.end(), uint64_t(0));
  if (data_.packing == Packing::Pad) {
    std::shuffle(epoch_rows_.begin(), epoch_rows_.end(), rng);
  } else {  // no wrap-around: a group of the longest and shortest rows would be mostly padding
    const uint64_t offset = rng() % (pieces_.size() - groups * B + 1);
    std::iota(epoch_rows_.begin(), epoch_rows_.end(), offset);
  }
  epoch_rows_.resize(groups * B);
  epoch_order_.resize(groups);
  std::iota(epoch_order_.begin(), epoch_order_.end(), uint64_t(0));
  std::shuffle(epoch_order_.begin(), epoch_order_.end(), rng);
  epoch_ = epoch;
}

Batch TextData::rows_batch(int64_t step, int micro) const {
  const uint64_t groups = pieces_.size() / batch_size_;
  const uint64_t index = uint64_t(step - 1) * grad_accum_ + micro;
  arrange(index / groups);
  std::vector<const Piece*> rows;
  for (int b = 0; b < batch_size_; ++b)
    rows.push_back(&pieces_[epoch_rows_[epoch_order_[index % groups] * batch_size_ + b]]);
  uint32_t longest = 0;
  for (const Piece* r : rows) longest = std::max(longest, r->length);
  const int64_t W = longest - 1;  // a row of n tokens gives n - 1 (input, target) pairs
  auto input = torch::zeros({batch_size_, W}, torch::kInt64), target = torch::zeros({batch_size_, W}, torch::kInt64);
  auto mask = torch::zeros({batch_size_, W}, torch::kFloat32);
  auto *in = input.data_ptr<int64_t>(), *tg = target.data_ptr<int64_t>();
  auto* m = mask.data_ptr<float>();
  int64_t real = 0;
  for (int b = 0; b < batch_size_; ++b) {
    const uint32_t* src = cache_->tokens() + rows[b]->begin;
    const int64_t n = rows[b]->length - 1;
    std::copy(src, src + n, in + b * W);
    std::copy(src + 1, src + n + 1, tg + b * W);
    std::fill(m + b * W, m + b * W + n, 1.f);
    real += n;
  }
  return {input, target, mask, batch_size_ * W - real};
}

}  // namespace r1wb::gpu
