// Where compression hurts, layer by layer (the compression view's heatmap): for each block,
// how far a compression moves each of its matrices (||C(W) - W|| / ||W||, over all experts of
// an MoE weight) and how far the block's residual update moves when its matrices (and, for
// quantization with activations, their inputs) are compressed, both blocks fed the float
// model's input to that block on a probe batch, so each layer shows its own error rather than
// what it inherited from the layers below.
#pragma once
#include "core/config/config.h"
#include "core/formats/compression_report.h"
#include "gpu/model/transformer.h"

namespace r1wb::gpu {

//! What a compression does to the block matrices: the hooks that run the model compressed (their
//! weight hook, when set, also gives each matrix's compressed value for the weight error; without
//! one only the inputs are compressed, an activation-only grid).
struct MatrixCompression {
  MatmulHooks hooks;
  bool experts = true;  //!< whether routed experts are compressed too
};

//! `tokens` [batch, seq] the probe batch. The model runs compressed during the measurement and
//! without hooks afterwards (in float). No autograd.
LayerErrors measure_layer_errors(TransformerLM& model, const MatrixCompression& c, const torch::Tensor& tokens);

}  // namespace r1wb::gpu
