// The two products of attention, q k^T and weights v, over any leading batch dimensions
// (GQA passes [B, G, H / G, T, d] queries against [B, G, 1, S, d] keys, so the kv heads
// broadcast instead of being copied H / G times). Without MKL, LibTorch's CPU bmm multiplies
// a batch one matrix at a time (a select and an mm per matrix: 64 dispatches for a decode
// step of 16 rows x 4 heads, most of its time). A decode step has a single query row, where
// each product is a broadcast multiply and one sum for the whole batch; that is the path on
// the CPU for one query, matmul otherwise.
#pragma once
#include <torch/types.h>

namespace r1wb::gpu {

//! q [..., Tq, d], k_t [..., d, Tk] -> [..., Tq, Tk] (not scaled).
torch::Tensor query_key_scores(const torch::Tensor& q, const torch::Tensor& k_t);
//! weights [..., Tq, Tk], v [..., Tk, d] -> [..., Tq, d].
torch::Tensor mix_values(const torch::Tensor& weights, const torch::Tensor& v);

}  // namespace r1wb::gpu
