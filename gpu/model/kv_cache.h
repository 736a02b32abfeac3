// Keys and values of the tokens a sampler has already run, per block, so each new token
// attends to them without recomputing them. MHA and GQA keep the keys (after RoPE, transposed:
// [batch, kv heads, head_dim, tokens], attention_products.h) and values [batch, kv heads,
// tokens, head_dim] of their n_kv_heads heads (GQA caches H / G times less
// than MHA); MLA keeps what DeepSeek-V2 caches, the normalised latent [batch, tokens, rank]
// and the shared RoPE key [batch, 1, tokens, rope_head_dim], and decompresses per step.
// The tensors are buffers with room for `KvCache::capacity` tokens, written in place, so a
// step appends one token instead of copying the whole cache (a cat per step was most of a
// decode step's time); attention reads views of the filled part.
#pragma once
#include <torch/types.h>

#include <vector>

namespace r1wb::gpu {

struct LayerKv {
  torch::Tensor first;   //!< MHA/GQA: keys; MLA: latent (the buffer, `length` of it filled)
  torch::Tensor second;  //!< MHA/GQA: values; MLA: RoPE key
  int64_t length = 0;    //!< tokens filled
  int64_t capacity = 0;  //!< KvCache::capacity
  //! Appends this step's tensors along the token axes `dim_a` and `dim_b` (growing the buffers
  //! to at least `capacity` tokens, doubling when full); returns views of everything filled.
  std::pair<torch::Tensor, torch::Tensor> append(const torch::Tensor& a, const torch::Tensor& b, int64_t dim_a,
                                                 int64_t dim_b);
};

struct KvCache {
  std::vector<LayerKv> layers;  //!< one per block, filled by the first forward
  int64_t length = 0;           //!< tokens cached: the position of the next one
  int64_t capacity = 0;         //!< tokens to make room for at the first append (a sampler's prompt + budget)
  //! Each row becomes `n` consecutive rows: a group's members after one shared prefill.
  void repeat_rows(int64_t n);
  //! Keeps the rows `index` ([rows] int64) selects: finished sequences leave the batch.
  void keep_rows(const torch::Tensor& index);
  int64_t bytes() const;  //!< allocated, filled or not
};

}  // namespace r1wb::gpu
