// The MoE router: affinities, expert selection, gate weights and balance losses, as
// DeepSeek-V3 defines them (arXiv 2412.19437 sec. 2.1.2; inference/model.py Gate), with the
// classic softmax top-k (GShard/Switch) as the default setting of the same fields:
//
//   scores s = softmax(logits) or sigmoid(logits)          unbiased affinities
//   select   = top-k over s + b                            b: aux-loss-free bias, no gradient,
//              within the topk_groups best groups          a group scores its top-2 of s + b
//   weights  = s of the chosen experts, renormalised to sum to 1 if set, x routed_scaling_factor
//
// The selection never sees a gradient; the weights carry it back into the router.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

struct Routing {
  torch::Tensor experts;  //!< [N, k] int64 chosen experts (k = dynamic_k_max when that is on)
  torch::Tensor weights;  //!< [N, k] gate weights; 0 in inactive slots
  torch::Tensor active;   //!< [N, k] bool: slot in use (all true unless dynamic top-k); see route()
  torch::Tensor scores;   //!< [N, E] float32 unbiased affinities s
  torch::Tensor logits;   //!< [N, E] float32 router logits
  torch::Tensor entropy;  //!< [N] entropy of s / sum(s), divided by log(E): 0..1, no gradient; see route()
};

//! Routes N tokens given the router logits [N, E] and the selection bias [E] (may be undefined).
//! Without `statistics` (decoding), entropy and active stay undefined unless dynamic top-k
//! needs them to choose: the same experts and weights, fewer operations.
Routing route(const MoeConfig& cfg, const torch::Tensor& logits, const torch::Tensor& bias, bool statistics = true);

//! Active token-expert assignments per expert, [E] float32, no gradient.
torch::Tensor assignment_counts(const Routing& r, int64_t num_experts);

//! Batch-level balance loss (Switch/GShard): E * sum_i f_i * P_i with f_i the share of the
//! assignments that went to expert i (from `counts`, assignment_counts() of the same routing,
//! which the MoE layer has already computed for its dispatch) and P_i the mean of the
//! normalised scores s / sum(s). 1 at perfect balance.
torch::Tensor batch_balance_loss(const Routing& r, const torch::Tensor& counts);

//! DeepSeek-V3's sequence-wise balance loss: for each sequence of seq_len consecutive tokens,
//! sum_i f_i * P_i with f_i = E / (K * T) * (tokens of the sequence routed to i) and
//! P_i = (1/T) sum_t s_i,t / sum_j s_j,t; the mean over sequences. 1 at perfect balance.
torch::Tensor sequence_balance_loss(const Routing& r, int64_t num_experts, int64_t seq_len);

//! Router z-loss (ST-MoE): mean over tokens of logsumexp(logits)^2.
torch::Tensor router_z_loss(const Routing& r);

}  // namespace r1wb::gpu
