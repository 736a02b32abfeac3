// Decoder-only transformer LM built from ModelConfig: embedding, pre-norm blocks of
// RMSNorm + causal attention (RoPE) and RMSNorm + SwiGLU or MoE, final RMSNorm, tied or
// untied head. Checkpoint keys (pinned in a test): "embed.weight", "blocks.<i>.attn_norm",
// "blocks.<i>.attn", "blocks.<i>.ffn_norm", "blocks.<i>.moe" or "blocks.<i>.mlp",
// "norm.weight", "head.weight" (untied only).
#pragma once
#include "core/config.h"
#include "gpu/attention.h"
#include "gpu/moe.h"
#include "gpu/rms_norm.h"
#include "gpu/swiglu.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>

#include <vector>

namespace r1wb::gpu {

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const ModelConfig& cfg);
  //! x: [batch, seq, d_model]. Adds this block's aux loss and expert load to the outputs.
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor& aux_loss, std::vector<torch::Tensor>& loads);

  RMSNorm attn_norm{nullptr}, ffn_norm{nullptr};
  CausalSelfAttention attn{nullptr};
  Moe moe{nullptr};    // set when cfg.ffn == "moe"
  SwiGLU mlp{nullptr}; // set when cfg.ffn == "dense"
};
TORCH_MODULE(Block);

struct LMOutput {
  torch::Tensor logits;              // [batch, seq, vocab]
  torch::Tensor aux_loss;            // [] mean over MoE layers (0 when dense)
  std::vector<torch::Tensor> loads;  // per MoE layer: [experts]
};

class TransformerLMImpl : public torch::nn::Module {
 public:
  explicit TransformerLMImpl(const ModelConfig& cfg);
  LMOutput forward(const torch::Tensor& tokens);  // tokens: [batch, seq] int64

  torch::nn::Embedding embed{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  RMSNorm norm{nullptr};
  torch::nn::Linear head{nullptr};  // null when tied to embed
  ModelConfig cfg;
};
TORCH_MODULE(TransformerLM);

//! Parameters and the FLOPs of one token's forward pass (2 per multiply-add, attention included).
struct ModelCost {
  int64_t params = 0;
  int64_t active_params = 0;
  double forward_flops_per_token = 0;
};
ModelCost model_cost(const ModelConfig& cfg, int seq_len);

}  // namespace r1wb::gpu
