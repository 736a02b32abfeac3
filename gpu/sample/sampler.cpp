#include "gpu/sample/sampler.h"

#include "gpu/sample/token_draw.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <map>
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

//! n completions of each prompt in `prompts` (all of the same token length), rows p * n + i.
std::vector<Completion> sample_batch(TransformerLM& model, const Tokenizer& tokenizer,
                                     const std::vector<std::vector<int64_t>>& prompts, int n, const SamplingOptions& o,
                                     at::Generator& generator) {
  const int64_t B = int64_t(prompts.size()), P = int64_t(prompts.front().size());
  const int64_t budget = std::min<int64_t>(o.max_new_tokens, model->cfg.max_seq_len - P);
  if (budget < 1)
    throw std::invalid_argument("sample: the prompt has " + std::to_string(P) + " tokens, model.max_seq_len is " +
                                std::to_string(model->cfg.max_seq_len) + ": no room to generate");
  const auto device = model->parameters().front().device();
  std::vector<int64_t> flat_prompts;
  for (const auto& ids : prompts) flat_prompts.insert(flat_prompts.end(), ids.begin(), ids.end());
  const auto ids = torch::tensor(flat_prompts, torch::kInt64).view({B, P}).to(device);

  const size_t rows_total = size_t(B) * size_t(n);
  std::vector<Completion> out(rows_total);
  std::vector<int64_t> active(rows_total);
  std::iota(active.begin(), active.end(), 0);
  KvCache cache;
  cache.capacity = P + budget;
  torch::Tensor logits;  // [rows, V] at the last position
  if (o.use_cache) {
    logits = model->decode(ids, cache).select(1, -1).repeat_interleave(n, 0);
    cache.repeat_rows(n);
  } else {
    logits = model->forward(ids).logits.select(1, -1).repeat_interleave(n, 0);
  }
  const bool watch_text = !o.stop.empty();
  for (int64_t step = 0; step < budget && !active.empty(); ++step) {
    const auto draws = draw_tokens(logits, o.temperature, o.top_k, o.top_p, generator);
    const int64_t rows = int64_t(active.size());
    std::vector<int64_t> still;  // positions in `active` that go on
    for (int64_t r = 0; r < rows; ++r) {
      auto& c = out[size_t(active[size_t(r)])];
      c.tokens.push_back(draws.tokens[size_t(r)]);
      c.logprobs.push_back(draws.logprobs[size_t(r)]);
      c.entropy.push_back(draws.entropy[size_t(r)]);
      bool done = false;
      if (watch_text) {
        const size_t before = c.text.size();
        c.text = tokenizer.decode(c.tokens);
        for (const auto& stop : o.stop) {
          const size_t from = before > stop.size() ? before - stop.size() : 0;
          if (const auto at = c.text.find(stop, from); !stop.empty() && at != std::string::npos) {
            c.text.resize(at + stop.size());
            done = true;
            break;
          }
        }
      }
      if (!done && int64_t(c.tokens.size()) == budget) c.truncated = done = true;
      if (!done) still.push_back(r);
    }
    if (still.empty()) break;
    std::vector<int64_t> next_tokens;
    for (int64_t r : still) next_tokens.push_back(draws.tokens[size_t(r)]);
    const auto next = torch::tensor(next_tokens, torch::kInt64).view({-1, 1}).to(device);
    if (int64_t(still.size()) < rows) {
      if (o.use_cache) cache.keep_rows(torch::tensor(still, torch::kInt64).to(device));
      std::vector<int64_t> next_active;
      for (int64_t r : still) next_active.push_back(active[size_t(r)]);
      active = std::move(next_active);
    }
    if (o.use_cache) {
      logits = model->decode(next, cache).select(1, -1);
    } else {
      std::vector<int64_t> flat;
      for (int64_t row : active) {
        const auto& prompt_ids = prompts[size_t(row / n)];
        flat.insert(flat.end(), prompt_ids.begin(), prompt_ids.end());
        flat.insert(flat.end(), out[size_t(row)].tokens.begin(), out[size_t(row)].tokens.end());
      }
      const auto seqs = torch::tensor(flat, torch::kInt64).view({int64_t(active.size()), -1}).to(device);
      logits = model->forward(seqs).logits.select(1, -1);
    }
  }
  if (!watch_text)
    for (auto& c : out) c.text = tokenizer.decode(c.tokens);
  return out;
}

}  // namespace

std::vector<std::vector<Completion>> sample_groups(TransformerLM& model, const Tokenizer& tokenizer,
                                                   const std::vector<std::string>& prompts, int n,
                                                   const SamplingOptions& o) {
  if (n < 1) throw std::invalid_argument("sample: n must be at least 1");
  std::map<size_t, std::vector<size_t>> by_length;  // prompts of one token length share a batch
  std::vector<std::vector<int64_t>> encoded;
  for (size_t i = 0; i < prompts.size(); ++i) {
    encoded.push_back(tokenizer.encode(prompts[i]));
    if (encoded.back().empty()) throw std::invalid_argument("sample: the prompt is empty");
    by_length[encoded.back().size()].push_back(i);
  }
  c10::InferenceMode no_autograd;  // cheaper than NoGradGuard: no version counters either
  EvalScope eval(model);
  auto generator = at::detail::createCPUGenerator(o.seed);
  std::vector<std::vector<Completion>> out(prompts.size());
  for (const auto& [length, members] : by_length) {
    std::vector<std::vector<int64_t>> batch;
    for (size_t i : members) batch.push_back(encoded[i]);
    auto rows = sample_batch(model, tokenizer, batch, n, o, generator);
    for (size_t m = 0; m < members.size(); ++m)
      out[members[m]].assign(std::make_move_iterator(rows.begin() + long(m * size_t(n))),
                             std::make_move_iterator(rows.begin() + long((m + 1) * size_t(n))));
  }
  return out;
}

std::vector<Completion> sample_group(TransformerLM& model, const Tokenizer& tokenizer, const std::string& prompt, int n,
                                     const SamplingOptions& o) {
  return std::move(sample_groups(model, tokenizer, {prompt}, n, o).front());
}

}  // namespace r1wb::gpu
