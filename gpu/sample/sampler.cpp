#include "gpu/sample/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace r1wb::gpu {
namespace {

//! Restores train or eval mode when sampling ends, however it ends.
struct EvalScope {
  explicit EvalScope(TransformerLM& m) : model(m), was_training(m->is_training()) { model->eval(); }
  ~EvalScope() { model->train(was_training); }
  TransformerLM& model;
  bool was_training;
};

//! log-probabilities [rows, V] with everything outside top-k and the top-p nucleus at -inf.
torch::Tensor filtered(const torch::Tensor& logp, int top_k, double top_p) {
  auto out = logp;
  const int64_t V = logp.size(-1);
  if (top_k > 0 && top_k < V) {
    const auto kth = std::get<0>(logp.topk(top_k, -1)).narrow(-1, top_k - 1, 1);  // [rows, 1]
    out = out.masked_fill(out < kth, -std::numeric_limits<float>::infinity());
  }
  if (top_p < 1.0) {
    auto [sorted, order] = out.sort(-1, /*descending=*/true);
    const auto mass_before = sorted.exp().cumsum(-1) - sorted.exp();  // what the more likely tokens hold
    const auto drop_sorted = mass_before >= top_p;                    // the first token always stays
    const auto drop = torch::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    out = out.masked_fill(drop, -std::numeric_limits<float>::infinity());
  }
  return out;
}

}  // namespace

std::vector<Completion> sample_group(TransformerLM& model, const Tokenizer& tokenizer, const std::string& prompt, int n,
                                     const SamplingOptions& o) {
  if (n < 1) throw std::invalid_argument("sample: n must be at least 1");
  const auto prompt_ids = tokenizer.encode(prompt);
  if (prompt_ids.empty()) throw std::invalid_argument("sample: the prompt is empty");
  const int64_t P = int64_t(prompt_ids.size());
  const int64_t budget = std::min<int64_t>(o.max_new_tokens, model->cfg.max_seq_len - P);
  if (budget < 1)
    throw std::invalid_argument("sample: the prompt has " + std::to_string(P) + " tokens, model.max_seq_len is " +
                                std::to_string(model->cfg.max_seq_len) + ": no room to generate");
  torch::NoGradGuard no_grad;
  EvalScope eval(model);
  const auto device = model->parameters().front().device();
  auto generator = at::detail::createCPUGenerator(o.seed);
  const auto ids = torch::tensor(prompt_ids, torch::kInt64).view({1, P}).to(device);

  std::vector<Completion> out(static_cast<size_t>(n));
  std::vector<int64_t> active(static_cast<size_t>(n));
  std::iota(active.begin(), active.end(), 0);
  KvCache cache;
  torch::Tensor logits;  // [rows, V] at the last position
  if (o.use_cache) {
    logits = model->decode(ids, cache).select(1, -1).repeat({n, 1});
    cache.repeat_rows(n);
  } else {
    logits = model->forward(ids).logits.select(1, -1).repeat({n, 1});
  }

  for (int64_t step = 0; step < budget && !active.empty(); ++step) {
    const auto logp = torch::log_softmax((o.temperature > 0 ? logits / o.temperature : logits).to(torch::kFloat32), -1);
    const auto entropy = -(logp.exp() * logp).nan_to_num(0.0).sum(-1);
    torch::Tensor chosen;
    if (o.temperature > 0) {
      const auto probs = filtered(logp, o.top_k, o.top_p).exp().to(torch::kCPU);
      chosen = torch::multinomial(probs, 1, false, generator).view({-1});
    } else {
      chosen = logp.argmax(-1).to(torch::kCPU);
    }
    const auto chosen_logp = logp.gather(-1, chosen.to(device).view({-1, 1})).view({-1}).to(torch::kCPU);
    const auto ent = entropy.to(torch::kCPU);
    std::vector<int64_t> still;  // positions in `active` that go on
    for (size_t r = 0; r < active.size(); ++r) {
      auto& c = out[size_t(active[r])];
      c.tokens.push_back(chosen[int64_t(r)].item<int64_t>());
      c.logprobs.push_back(chosen_logp[int64_t(r)].item<float>());
      c.entropy.push_back(ent[int64_t(r)].item<float>());
      const size_t before = c.text.size();
      c.text = tokenizer.decode(c.tokens);
      bool done = false;
      for (const auto& s : o.stop) {
        const size_t from = before > s.size() ? before - s.size() : 0;
        if (const auto at = c.text.find(s, from); !s.empty() && at != std::string::npos) {
          c.text.resize(at + s.size());
          done = true;
          break;
        }
      }
      if (!done && int64_t(c.tokens.size()) == budget) c.truncated = done = true;
      if (!done) still.push_back(int64_t(r));
    }
    if (still.empty()) break;
    const auto keep = torch::tensor(still, torch::kInt64);
    const auto next = chosen.index_select(0, keep).view({-1, 1}).to(device);
    std::vector<int64_t> next_active;
    for (int64_t r : still) next_active.push_back(active[size_t(r)]);
    if (o.use_cache) {
      if (int64_t(still.size()) < int64_t(active.size())) cache.keep_rows(keep.to(device));
      logits = model->decode(next, cache).select(1, -1);
    } else {
      std::vector<int64_t> flat;
      for (int64_t row : next_active) {
        flat.insert(flat.end(), prompt_ids.begin(), prompt_ids.end());
        flat.insert(flat.end(), out[size_t(row)].tokens.begin(), out[size_t(row)].tokens.end());
      }
      const auto seqs = torch::tensor(flat, torch::kInt64).view({int64_t(next_active.size()), -1}).to(device);
      logits = model->forward(seqs).logits.select(1, -1);
    }
    active = std::move(next_active);
  }
  return out;
}

}  // namespace r1wb::gpu
