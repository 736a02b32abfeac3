// Structured magnitude pruning of FFN neurons (init.prune "magnitude"): a model with narrower
// FFNs takes a wider parent's weights, each FFN keeping the hidden neurons whose gate row, up
// row and down column have the largest product of L2 norms (the neuron's scale on its way in
// and out), in their original order. Dense FFNs, every routed expert on its own, the shared
// experts and the MTP block are pruned alike; with the experts' shared up-projection one set of
// neurons is kept for all experts (scores summed). Everything else is copied as it is. The
// training that follows is the recovery.
#pragma once
#include "gpu/model/transformer.h"

namespace r1wb::gpu {

//! Indices [keep] (ascending) of the neurons of one SwiGLU to keep: gate, up [hidden, d_model],
//! down [d_model, hidden].
torch::Tensor kept_neurons(const torch::Tensor& gate, const torch::Tensor& up, const torch::Tensor& down,
                           int64_t keep);

//! Copies `parent` into `child`, pruning every FFN whose hidden width is narrower in `child`.
//! Throws std::runtime_error naming the parameter when a shape differs elsewhere or widens.
void prune_into(TransformerLM& parent, TransformerLM& child);

}  // namespace r1wb::gpu
