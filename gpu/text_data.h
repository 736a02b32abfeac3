// Training batches from a tokenized text corpus (token_cache.h), in one of three layouts
// (data.packing):
//   pack    each row is seq_len + 1 consecutive tokens of the concatenated corpus from a
//           random offset: documents run into each other and nothing is padded
//   bucket  each row is one document, or a seq_len + 1 piece of a longer one; rows of similar
//           length form a batch, which is as wide as its longest row, so padding stays small
//   pad     rows as in bucket, batched in shuffled order: the padding bucketing avoids
// The loss is taken on every real token. Rows of bucket and pad are visited once per epoch,
// the epoch's order a function of data.seed and the epoch.
#pragma once
#include "gpu/token_cache.h"
#include "gpu/training_data.h"

#include <memory>

namespace r1wb::gpu {

class TextData : public TrainingData {
 public:
  //! grad_accum: micro-batches per step, so consecutive micro-batches take consecutive groups.
  TextData(const DataConfig& data, int batch_size, int grad_accum, std::unique_ptr<TokenCache> cache);
  Batch batch(int64_t step, int micro, const DifficultyMix& mix) const override;
  //! Rows of one epoch (bucket, pad) and the batches they form.
  size_t rows() const { return pieces_.size(); }

 private:
  struct Piece {
    uint64_t begin;
    uint32_t length;  // tokens, 2 .. seq_len + 1
  };
  Batch pack(int64_t step, int micro) const;
  Batch rows_batch(int64_t step, int micro) const;

  int batch_size_, grad_accum_;
  std::unique_ptr<TokenCache> cache_;
  std::vector<Piece> pieces_;  // bucket: sorted by length; pad: shuffled once
  mutable std::vector<uint64_t> epoch_order_;  // group order of the epoch last asked for
  mutable uint64_t epoch_ = 0;
};

}  // namespace r1wb::gpu
