#include "gpu/sample/corpus_loss.h"

#include "gpu/data/token_cache.h"

#include <algorithm>

namespace r1wb::gpu {

CorpusLoss corpus_loss(TransformerLM& model, const Tokenizer& tokenizer, const std::vector<std::string>& files,
                       int64_t window, int64_t max_tokens) {
  CorpusLoss r;
  std::vector<int64_t> ids;
  DocumentReader docs(files);
  std::string doc;
  while ((max_tokens == 0 || int64_t(ids.size()) < max_tokens + 1) && docs.next(doc)) {
    const auto t = tokenizer.encode(doc);
    ids.insert(ids.end(), t.begin(), t.end());
    ids.push_back(tokenizer.document_end());
    ++r.documents;
  }
  if (max_tokens > 0 && int64_t(ids.size()) > max_tokens + 1) ids.resize(size_t(max_tokens + 1));
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const auto device = model->parameters().front().device();
  double total = 0;
  constexpr int64_t kRows = 16;
  const int64_t windows = (int64_t(ids.size()) - 1 + window - 1) / window;
  for (int64_t first = 0; first < windows; first += kRows) {
    const int64_t n = std::min(kRows, windows - first);
    auto input = torch::zeros({n, window}, torch::kInt64), target = torch::zeros_like(input);
    auto mask = torch::zeros({n, window}, torch::kFloat32);
    for (int64_t w = 0; w < n; ++w) {
      const int64_t begin = (first + w) * window;
      for (int64_t j = 0; j < window && begin + j + 1 < int64_t(ids.size()); ++j) {
        input[w][j] = ids[size_t(begin + j)];
        target[w][j] = ids[size_t(begin + j + 1)];
        mask[w][j] = 1.f;
      }
    }
    const auto logits = model->forward(input.to(device)).logits.to(torch::kFloat32).to(torch::kCPU);
    const auto nll = -torch::log_softmax(logits, -1).gather(-1, target.unsqueeze(-1)).squeeze(-1);
    total += (nll * mask).sum().item<double>();
    r.tokens += int64_t(mask.sum().item<double>());
  }
  model->train(was_training);
  r.loss = r.tokens > 0 ? total / double(r.tokens) : 0;
  return r;
}

}  // namespace r1wb::gpu
