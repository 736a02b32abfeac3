// Mixture-of-Experts feed-forward: routed SwiGLU experts chosen by the router (router.h),
// plus optional always-on shared experts whose output is added unweighted (DeepSeekMoE).
//
// Dispatch has no per-token loop: token-expert pairs are sorted by expert, gathered once,
// each expert runs one matmul chain on its contiguous block, and the weighted results are
// scatter-added back. With a capacity factor, each expert keeps the first `capacity` pairs
// of its block in token order and the rest are dropped (those tokens pass on the residual).
// Expert weights are stacked so checkpoints hold three tensors per layer.
//
// Aux-loss-free balancing: the selection bias is a buffer (saved in checkpoints, never
// trained by gradient); training forwards accumulate the assignment counts of the whole
// step and update_bias() applies b_i += gamma * sign(mean_load - load_i) after the step.
//
// Checkpoint keys: "router.weight", "w_gate", "w_up" (or "w_up_shared"), "w_down",
// "expert_bias", and "shared.*" with shared experts.
#pragma once
#include "core/config/config.h"
#include "gpu/model/router.h"
#include "gpu/model/matmul_hooks.h"
#include "gpu/model/swiglu.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <functional>

namespace r1wb::gpu {

struct MoeOutput {
  torch::Tensor y;             //!< [tokens, d_model]
  torch::Tensor router_loss;   //!< [] weighted sum of the enabled balance and z losses
  torch::Tensor aux_loss;      //!< [] batch-level balance loss, unweighted (telemetry)
  torch::Tensor load;          //!< [experts] share of the assignments; sums to 1
  torch::Tensor dropped_frac;  //!< [] share of assignments dropped by the capacity limit
  torch::Tensor entropy;       //!< [] mean normalised router entropy
  torch::Tensor experts;       //!< [tokens, k] chosen experts, -1 in inactive slots (probes)
  torch::Tensor weights;       //!< [tokens, k] their gate weights, 0 in inactive slots (probes)
};

class MoeImpl : public torch::nn::Module {
 public:
  //! out_std: the init std of the down projections (they write into the residual stream).
  MoeImpl(const MoeConfig& cfg, int64_t d_model, double out_std = 0.02);
  //! x: [tokens, d_model], tokens = sequences * seq_len (seq_len for the sequence-wise loss).
  MoeOutput forward(const torch::Tensor& x, int64_t seq_len);
  //! forward's y alone, for decoding: the same routing and experts, no statistics, losses or
  //! bias counts (most of a decode step's MoE operations otherwise).
  //! With few tokens (a decode step: tokens x experts <= kDenseDecodeTokenExperts) and no
  //! capacity limit, every expert runs on every token with the unchosen ones weighted 0: the
  //! dispatch's per-expert operator calls cost more than the extra FLOPs there.
  torch::Tensor infer(const torch::Tensor& x);
  static constexpr int64_t kDenseDecodeTokenExperts = 256;

  Routing route(const torch::Tensor& x, bool statistics = true);
  //! One routed expert on rows of x: [n, d_model] -> [n, d_model]. `up` is x's shared
  //! up-projection when shared_input_proj is on (else undefined).
  torch::Tensor expert(int64_t e, const torch::Tensor& x, const torch::Tensor& up = {});
  //! Shared up-projection of x, or undefined when experts have their own.
  torch::Tensor shared_up(const torch::Tensor& x);
  //! The model's matmul hooks (quantization-aware training) or none; `experts` false keeps the
  //! experts' own matrices out of them (the shared experts' SwiGLU still goes through).
  const MatmulHooks* hooks = nullptr;
  bool hooks_on_experts = true;
  //! Applies the aux-loss-free bias update from the counts gathered since the last call.
  void update_bias();
  //! The counts update_bias() will use (undefined before the first training forward); data
  //! parallel ranks sum them so the bias sees the whole batch.
  torch::Tensor& pending_counts() { return pending_counts_; }
  //! A hook the training side sets under data parallel (train/moe_balancing.h): sums a rank's
  //! assignment counts over all ranks, in place, so the batch-level balance loss of a
  //! training forward takes f_i from the global batch (P_i stays this rank's; the ranks'
  //! summed gradients are then the global loss's). Called once per training forward, not
  //! again when activation recompute reruns the layer.
  std::function<void(torch::Tensor&)> count_reducer;

  MoeConfig cfg;
  torch::nn::Linear router{nullptr};  // d_model -> experts
  torch::Tensor w_gate;               // [experts, hidden, d_model]
  torch::Tensor w_up;                 // [experts, hidden, d_model]; undefined if shared
  torch::Tensor w_up_shared;          // [hidden, d_model] with shared_input_proj
  torch::Tensor w_down;               // [experts, d_model, hidden]
  torch::Tensor expert_bias;          // [experts] selection bias (buffer)
  SwiGLU shared{nullptr};             // always-on experts, num_shared * hidden wide

 private:
  struct Dispatched {
    torch::Tensor y;       //!< [tokens, d_model] the experts' weighted outputs (shared ones added)
    torch::Tensor counts;  //!< [experts] int64 on the CPU: assignments per expert
    int64_t assigned = 0, kept = 0;
  };
  //! Sends each kept token-expert pair through its expert (grouped, capacity applied).
  Dispatched dispatch(const torch::Tensor& x, const Routing& r);

  //! Whether the experts' matrices go through the hooks.
  bool quantized() const { return hooks && hooks->active() && hooks_on_experts; }
  //! x [n, in] times expert `e`'s matrix [out, in] of the stacked `param` transposed (e -1: param
  //! itself, the shared up-projection), through the hooks when quantized.
  torch::Tensor expert_product(const torch::Tensor& x, const torch::Tensor& param, int64_t e);
  //! w_down as [experts * hidden, d_model] for infer's dense path, remade only when w_down
  //! changes (its storage or version counter): otherwise a transposed copy every decode step.
  const torch::Tensor& down_rows();

  torch::Tensor down_rows_;
  int64_t down_rows_version_ = -1;
  const void* down_rows_source_ = nullptr;
  torch::Tensor pending_counts_;       // [experts] assignments since the last update_bias()
  torch::Tensor last_reduced_counts_;  // [experts] the last training forward's reduced counts
};
TORCH_MODULE(Moe);

}  // namespace r1wb::gpu
