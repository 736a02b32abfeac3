// One decode step's draw: from each row's next-token logits to the token chosen, its
// log-probability and the entropy of the distribution it came from (what RL's trainer
// recomputes). Two vectorised ops on the device (log-softmax at the temperature and its exp,
// plus top-k / top-p when asked), one copy to the host, then one pass per row on the CPU: the
// entropy and an inverse-CDF draw with a single uniform number. torch::multinomial draws an
// exponential for every vocabulary entry instead (V logarithms per row: a tenth of a decode
// step of a small model), and the per-row results would take several more ops to gather.
#pragma once
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace r1wb::gpu {

struct TokenDraws {
  std::vector<int64_t> tokens;  //!< [rows]
  std::vector<float> logprobs;  //!< [rows] of the chosen token, before top-k and top-p
  std::vector<float> entropy;   //!< [rows] of that distribution
};

//! logits [rows, V] on any device. temperature 0 is greedy (the argmax; log-probs and entropy
//! of the plain softmax). top_k 0 and top_p 1 keep every token. `generator` is a CPU generator.
TokenDraws draw_tokens(const torch::Tensor& logits, double temperature, int top_k, double top_p,
                       at::Generator& generator);

}  // namespace r1wb::gpu
