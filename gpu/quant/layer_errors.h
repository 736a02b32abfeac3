// Where quantization hurts, layer by layer (the compression view's heatmap): for each block,
// how far the grid moves each of its matrices (||Q(W) - W|| / ||W||, over all experts of an
// MoE weight) and how far the block's residual update moves when its weights and inputs are
// quantized, both blocks fed the float model's input to that block on a probe batch, so each
// layer shows its own error rather than what it inherited from the layers below.
#pragma once
#include "core/config/config.h"
#include "core/formats/compression_report.h"
#include "gpu/model/transformer.h"

namespace r1wb::gpu {

//! `tokens` [batch, seq] the probe batch. The model runs as `q` quantizes it during the
//! measurement and without hooks afterwards (in float). No autograd.
LayerErrors measure_layer_errors(TransformerLM& model, const QuantConfig& q, const torch::Tensor& tokens);

}  // namespace r1wb::gpu
