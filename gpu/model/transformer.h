// Decoder-only transformer LM built from ModelConfig: embedding, pre-norm blocks of
// RMSNorm + causal attention (RoPE) and RMSNorm + SwiGLU or MoE, final RMSNorm, tied or
// untied head; with first_k_dense the first blocks of an MoE model use the dense FFN.
// Checkpoint keys (pinned in a test): "embed.weight", "blocks.<i>.attn_norm",
// "blocks.<i>.attn" or "blocks.<i>.mla", "blocks.<i>.ffn_norm", "blocks.<i>.moe" or "blocks.<i>.mlp",
// "norm.weight", "head.weight" (untied only), and the MTP module's "mtp_*" when enabled.
#pragma once
#include "core/config/config.h"
#include "core/config/model_cost.h"
#include "gpu/model/attention.h"
#include "gpu/model/kv_cache.h"
#include "gpu/model/matmul_hooks.h"
#include "gpu/model/mla.h"
#include "gpu/model/moe.h"
#include "gpu/model/rms_norm.h"
#include "gpu/model/swiglu.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>

#include <vector>

namespace r1wb::gpu {

//! What one MoE block's router did in a forward pass.
struct MoeLayerStats {
  int layer = 0;               //!< block index
  torch::Tensor load;          //!< [experts], sums to 1
  torch::Tensor dropped_frac;  //!< []
  torch::Tensor entropy;       //!< [] mean normalised router entropy
  torch::Tensor experts;       //!< [tokens, k] chosen experts, -1 in inactive slots
  torch::Tensor weights;       //!< [tokens, k] their gate weights, 0 in inactive slots
};

struct LMOutput {
  torch::Tensor logits;       //!< [batch, seq, vocab]
  torch::Tensor hidden;       //!< [batch, seq, d_model]: the last block's output, before the final norm
  torch::Tensor mtp_logits;   //!< [batch, seq - 1, vocab]: position i predicts token i + 2; undefined if off
  torch::Tensor router_loss;  //!< [] weighted balance + z losses, mean over MoE layers (0 when dense)
  torch::Tensor aux_loss;     //!< [] batch-level balance loss, mean over MoE layers, unweighted
  std::vector<MoeLayerStats> moe;
};

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const ModelConfig& cfg, int index);
  //! x: [batch, seq, d_model]. An MoE block adds its losses and stats to `out`.
  torch::Tensor forward(const torch::Tensor& x, LMOutput& out);
  //! Recompute this block's activations in backward instead of keeping them
  //! (activation_recompute.h); only while gradients are on.
  bool recompute = false;

  RMSNorm attn_norm{nullptr}, ffn_norm{nullptr};
  //! The attention's output for x (whichever kind the config chose).
  torch::Tensor attend(const torch::Tensor& x);
  //! The block on tokens after those in `kv`, attending to them too (sampling): no losses,
  //! no statistics, no recompute.
  torch::Tensor decode(const torch::Tensor& x, LayerKv& kv);
  //! Makes the attention keep its weights (last_weights) for probes.
  void capture_attention(bool on);
  //! The weights kept by the last forward with capture on: [batch, heads, seq, seq].
  torch::Tensor attention_weights() const;
  CausalSelfAttention attn{nullptr};      // set for "mha"
  MultiHeadLatentAttention mla{nullptr};  // set for "mla"
  Moe moe{nullptr};                       // set when cfg.ffn == FfnKind::Moe
  SwiGLU mlp{nullptr};                    // set when dense
  int index;

 private:
  //! {output} for a dense block, {output, router_loss, aux_loss} for an MoE block, whose
  //! router statistics go to `stats` when it is given.
  std::vector<torch::Tensor> forward_parts(const torch::Tensor& x, std::vector<MoeLayerStats>* stats);
};
TORCH_MODULE(Block);

class TransformerLMImpl : public torch::nn::Module {
 public:
  explicit TransformerLMImpl(const ModelConfig& cfg);
  LMOutput forward(const torch::Tensor& tokens);  // tokens: [batch, seq] int64
  //! Logits [batch, seq, vocab] of `tokens`, the positions after those in `cache` (empty at
  //! first: the prompt), whose keys and values are appended there. Equal to forward()'s logits
  //! of the whole sequence at these positions; the MTP module is not run.
  torch::Tensor decode(const torch::Tensor& tokens, KvCache& cache);
  //! The final norm and the (tied or untied) head on hidden states [..., d_model].
  torch::Tensor logits_of(const torch::Tensor& h);
  //! Sends every block matrix (attention, dense and expert FFNs, shared experts) and its input
  //! through `hooks` (quantization-aware training, gpu/quant/); `experts` false keeps the routed
  //! experts' own matrices out. Empty hooks restore the plain products.
  void set_matmul_hooks(MatmulHooks hooks, bool experts = true);
  const MatmulHooks& matmul_hooks() const { return matmul_hooks_; }
  //! Recompute activations in backward for the first n blocks; n > n_layers includes the
  //! MTP block (train.recompute_layers).
  void set_recompute_layers(int n);
  //! Calls fn on every MoE layer in the order the telemetry reports them (moe_layer_names):
  //! the MoE blocks, then the MTP block's when it has experts.
  void for_each_moe(const std::function<void(MoeImpl&)>& fn);

  torch::nn::Embedding embed{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  RMSNorm norm{nullptr};
  torch::nn::Linear head{nullptr};  // null when tied to embed
  // Multi-token prediction (model.mtp_weight > 0): "mtp_norm_h", "mtp_norm_e", "mtp_proj", "mtp_block".
  RMSNorm mtp_norm_h{nullptr}, mtp_norm_e{nullptr};
  torch::nn::Linear mtp_proj{nullptr};
  Block mtp_block{nullptr};
  ModelConfig cfg;

 private:
  MatmulHooks matmul_hooks_;  // the blocks point here
};
TORCH_MODULE(TransformerLM);

}  // namespace r1wb::gpu
