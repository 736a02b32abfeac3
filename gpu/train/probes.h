// Probes: what the router and the attention do on one fixed text, every few steps, so runs
// and steps can be compared on the same tokens. One eval-mode forward without gradients
// (it does not count toward aux-loss-free balancing) yields snapshots:
//   probe/tokens               [1, T]          the probe's token ids (bpe pieces: tokenizer.vocab)
//   probe/expert_choice        [L_moe * k, T]  row l * k + j: layer l's j-th expert per token (-1: none),
//                                              rows labelled "layer <i> / choice <j>"
//   probe/expert_weight        [L_moe * k, T]  the gate weight of that choice (0: none)
//   probe/attention/L<i>       [H * T, T]      layer i's weights, row h * T + t = head h, query t
//   probe/attention_entropy    [L, H]          mean over queries of each head's weight entropy (nats)
#pragma once
#include "core/wire/event_protocol.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <string>
#include <vector>

namespace r1wb::gpu {

std::vector<wire::Snapshot> run_probes(TransformerLM& model, const Tokenizer& tokenizer, const std::string& text,
                                       int64_t step, torch::Device device);

}  // namespace r1wb::gpu
