// Keys and values of the tokens a sampler has already run, per block, so each new token
// attends to them without recomputing them. MHA and GQA keep the keys (after RoPE) and values
// of their n_kv_heads heads, [batch, kv heads, tokens, head_dim] (GQA caches H / G times less
// than MHA); MLA keeps what DeepSeek-V2 caches, the normalised latent [batch, tokens, rank]
// and the shared RoPE key [batch, 1, tokens, rope_head_dim], and decompresses per step.
#pragma once
#include <torch/types.h>

#include <vector>

namespace r1wb::gpu {

struct LayerKv {
  torch::Tensor first;   //!< MHA/GQA: keys; MLA: latent
  torch::Tensor second;  //!< MHA/GQA: values; MLA: RoPE key
  //! Appends this step's tensors along the token axis `dim`; returns the whole.
  std::pair<torch::Tensor, torch::Tensor> append(const torch::Tensor& a, const torch::Tensor& b, int64_t dim_a,
                                                 int64_t dim_b);
};

struct KvCache {
  std::vector<LayerKv> layers;  //!< one per block, filled by the first forward
  int64_t length = 0;           //!< tokens cached: the position of the next one
  //! Each row becomes `n` consecutive rows: a group's members after one shared prefill.
  void repeat_rows(int64_t n);
  //! Keeps the rows `index` ([rows] int64) selects: finished sequences leave the batch.
  void keep_rows(const torch::Tensor& index);
  int64_t bytes() const;
};

}  // namespace r1wb::gpu
