// Held-out perplexity: the mean next-token loss of a model over a text corpus it did not train
// on (a file or a folder, read as token_cache.h reads training text: documents up to a blank
// line, each followed by the tokenizer's document end). The tokens are cut into consecutive,
// non-overlapping windows of the model's context, each predicted from its own start, as
// wikitext perplexity is usually reported. What `r1wb-run perplexity` prints, and the measure
// quantization's comparisons use on text models. No autograd; the model in eval mode.
#pragma once
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::gpu {

struct CorpusLoss {
  double loss = 0;     //!< mean nats per predicted token
  int64_t tokens = 0;  //!< tokens predicted
  int64_t documents = 0;
};

//! Over at most `max_tokens` tokens of the corpus (0: all), windows of `window` + 1 tokens.
CorpusLoss corpus_loss(TransformerLM& model, const Tokenizer& tokenizer, const std::vector<std::string>& files,
                       int64_t window, int64_t max_tokens);

}  // namespace r1wb::gpu
