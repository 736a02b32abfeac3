// Learned step sizes (LSQ, Esser et al. 2020), quant.learned_steps: every block matrix an int8
// or int4 grid rounds gets a trainable step per scale group, shaped like the scales an export
// stores ([..., out, in / group]; int8 one per output channel). Forward:
//   w_q = clamp(round(w / s), lo, hi) x s
// the rounding passed straight through, the weight's gradient cut where it clips, and the
// step's gradient LSQ's (the rounding residual inside the range, lo or hi outside it) scaled by
// 1 / sqrt(group x hi), as the paper prescribes. The steps start at the plain grid's scale
// (max|w| / hi, so quantization starts exactly as rounding to nearest would) when fake
// quantization switches on, then learn with the model. The parameters hold ln(step): Adam moves
// a parameter by about its learning rate whatever its size, which for steps of 0.01 at a
// learning rate of 3e-3 is a fifth of the step each update (LSQ's paper trains with SGD); in
// log space it is a relative change of lr, as the weights' own.
//
// They live in the model as the module "quant_steps" (one parameter per matrix, its key with
// dots as underscores, and a "started" flag), attached before the optimizer is made and before a
// checkpoint loads, so they are trained, all-reduced, saved and resumed like any weight, and a
// quantized export stores them as its scales.
#pragma once
#include "core/config/config.h"
#include "gpu/model/transformer.h"
#include "gpu/quant/fake_quant.h"

#include <string>

namespace r1wb::gpu {

//! The module's name in the model and the prefix of its parameters' keys.
inline constexpr const char* kLearnedStepsModule = "quant_steps";

//! Registers the steps of every matrix `q` rounds (q.learned_steps with int8 or int4 weights).
void attach_learned_steps(TransformerLM& model, const QuantConfig& q);
//! Sets the steps to the plain grid's scales of the current weights, once: a model whose steps
//! have started (trained, or loaded from a checkpoint that had) keeps them.
void start_learned_steps(TransformerLM& model, const QuantConfig& q);
//! The key of the steps (ln step) of the model parameter `key`: "quant_steps.blocks_0_attn_qkv_weight".
std::string learned_step_key(const std::string& key);
//! The key of the flag that says whether the steps have started.
std::string learned_steps_started_key();
//! The learned steps of the model parameter `key` ("blocks.0.attn.qkv.weight"): exp of the
//! parameter, differentiable; undefined when the model has none for it.
torch::Tensor learned_step(TransformerLM& model, const std::string& key);

//! w [..., out, in] rounded with steps s [..., out, in / group] (LSQ's gradients when either
//! needs one; without autograd the plain values, bit for bit what learned_integer_weight
//! dequantizes to).
torch::Tensor learned_rounding(const torch::Tensor& w, const torch::Tensor& s, WeightQuant grid);
//! The integers of w on the steps s, the steps as their scales.
IntegerWeight learned_integer_weight(const torch::Tensor& w, const torch::Tensor& s, WeightQuant grid);

//! The hooks a run quantized as `q` trains and evaluates with: the learned steps' rounding when
//! q.learned_steps (the model must have them attached), the plain grid's otherwise.
MatmulHooks quant_hooks(TransformerLM& model, const QuantConfig& q);

}  // namespace r1wb::gpu
