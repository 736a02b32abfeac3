#include "gpu/sample/token_draw.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/DistributionsHelper.h>

#include <limits>
#include <mutex>

namespace r1wb::gpu {
namespace {

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

//! The first index whose running sum of p passes u times the row's total (the last token with
//! any mass if rounding leaves u beyond the sum).
int64_t inverse_cdf(const float* p, int64_t V, double u) {
  double total = 0;
  for (int64_t i = 0; i < V; ++i) total += p[i];
  const double target = u * total;
  double run = 0;
  int64_t last = 0;
  for (int64_t i = 0; i < V; ++i) {
    if (p[i] <= 0) continue;
    run += p[i];
    last = i;
    if (run > target) return i;
  }
  return last;
}

}  // namespace

TokenDraws draw_tokens(const torch::Tensor& logits, double temperature, int top_k, double top_p,
                       at::Generator& generator) {
  const auto scaled = logits.to(torch::kFloat32);
  const auto logp = torch::log_softmax(temperature > 0 && temperature != 1.0 ? scaled / temperature : scaled, -1);
  const bool sampling = temperature > 0;
  const bool all = top_k <= 0 && top_p >= 1.0;
  // [rows, V] each on the host: the log-probs, their exp, and the distribution drawn from.
  const auto host_logp = logp.to(torch::kCPU).contiguous();
  const auto host_p = host_logp.exp();
  const auto host_draw = !sampling || all ? host_p : filtered(logp, top_k, top_p).exp().to(torch::kCPU).contiguous();
  const int64_t rows = host_logp.size(0), V = host_logp.size(1);
  const float* lp = host_logp.data_ptr<float>();
  const float* p = host_p.data_ptr<float>();
  const float* q = host_draw.data_ptr<float>();

  TokenDraws out;
  out.tokens.resize(size_t(rows)), out.logprobs.resize(size_t(rows)), out.entropy.resize(size_t(rows));
  auto* gen = at::check_generator<at::CPUGeneratorImpl>(generator);
  std::lock_guard<std::mutex> lock(generator.mutex());
  at::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* lr = lp + r * V;
    const float* pr = p + r * V;
    double h = 0;
    for (int64_t i = 0; i < V; ++i)
      if (pr[i] > 0) h -= double(pr[i]) * double(lr[i]);
    int64_t token = 0;
    if (sampling) {
      token = inverse_cdf(q + r * V, V, uniform(gen));
    } else {
      for (int64_t i = 1; i < V; ++i)
        if (lr[i] > lr[token]) token = i;
    }
    out.tokens[size_t(r)] = token;
    out.logprobs[size_t(r)] = lr[token];
    out.entropy[size_t(r)] = float(h);
  }
  return out;
}

}  // namespace r1wb::gpu
