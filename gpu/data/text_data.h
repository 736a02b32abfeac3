// Training batches from a tokenized text corpus (token_cache.h), in one of three layouts
// (data.packing):
//   pack    each row is seq_len + 1 consecutive tokens of the concatenated corpus from a
//           random offset: documents run into each other and nothing is padded
//   bucket  each row is one document, or a seq_len + 1 piece of a longer one; rows of similar
//           length form a batch, which is as wide as its longest row, so padding stays small
//   pad     rows as in bucket, batched at random: the padding bucketing avoids
// The loss is taken on every real token. An epoch of bucket or pad visits every row at most
// once (the rows that do not fill a last batch wait, and differ from epoch to epoch); its
// arrangement is a function of data.seed and the epoch, so a resumed run sees the same batches.
#pragma once
#include "gpu/data/token_cache.h"
#include "gpu/data/training_data.h"

#include <memory>

namespace r1wb::gpu {

class TextData : public TrainingData {
 public:
  //! grad_accum: micro-batches per step, so consecutive micro-batches take consecutive groups.
  TextData(const DataConfig& data, int batch_size, int grad_accum, std::unique_ptr<TokenCache> cache);
  Batch batch(int64_t step, int micro, const DifficultyMix& mix) override;
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
  //! Lays out epoch `epoch` in epoch_rows_ and epoch_order_ (kept until another is asked for).
  void arrange(uint64_t epoch) const;

  std::vector<Piece> pieces_;                  // bucket: sorted by length
  mutable std::vector<uint64_t> epoch_rows_;   // row r of the epoch's layout is pieces_[epoch_rows_[r]]
  mutable std::vector<uint64_t> epoch_order_;  // the epoch's groups (of batch_size rows) in visiting order
  mutable uint64_t epoch_ = 0;
};

}  // namespace r1wb::gpu
