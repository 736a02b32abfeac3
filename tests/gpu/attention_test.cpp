// Pins the attention variants: GQA is MHA with shared key/value heads, the sliding window
// hides exactly the keys it should, the sigmoid gate computes sigmoid(gamma * s [- log T]),
// MLA is causal with its pinned checkpoint keys, and every variant trains tiny-moe.
#include "gpu/model/attention.h"
#include "core/config/config.h"
#include "gpu/model/attention_weights.h"
#include "gpu/model/mla.h"
#include "gpu/model/transformer.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

using namespace r1wb;
using namespace r1wb::gpu;
using torch::indexing::Slice;

namespace {
ModelConfig model(const std::string& attention_json) {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 4, "max_seq_len": 64, "attention": )" +
                            attention_json + "}}");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.experiment.model;
}
}  // namespace

TEST(Attention, GqaEqualsMhaWithEachKeyValueHeadRepeated) {
  torch::manual_seed(0);
  CausalSelfAttention gqa(model(R"({"n_kv_heads": 2})"));
  CausalSelfAttention mha(model("{}"));
  const int64_t hd = 8;
  auto w = gqa->qkv->weight.detach();  // [(4 + 2 + 2) * 8, 32]
  auto q = w.narrow(0, 0, 4 * hd), k = w.narrow(0, 4 * hd, 2 * hd), v = w.narrow(0, 6 * hd, 2 * hd);
  auto repeat = [&](const torch::Tensor& kv) {
    return kv.view({2, hd, 32}).repeat_interleave(2, 0).reshape({4 * hd, 32});
  };
  {
    torch::NoGradGuard no_grad;
    mha->qkv->weight.copy_(torch::cat({q, repeat(k), repeat(v)}));
    mha->proj->weight.copy_(gqa->proj->weight);
  }
  auto x = torch::randn({2, 10, 32});
  EXPECT_TRUE(torch::allclose(gqa(x), mha(x), 1e-5, 1e-6));
}

TEST(Attention, SlidingWindowHidesTheFutureAndKeysTooFarBack) {
  auto hidden = hidden_keys(4, 4, 2, torch::kCPU).to(torch::kInt);
  auto expected = torch::tensor({{0, 1, 1, 1}, {0, 0, 1, 1}, {1, 0, 0, 1}, {1, 1, 0, 0}}, torch::kInt);
  EXPECT_TRUE(torch::equal(hidden, expected)) << hidden;

  torch::manual_seed(0);
  CausalSelfAttention attn(model(R"({"sliding_window": 3})"));
  auto a = torch::randn({1, 12, 32});
  auto b = a.clone();
  b.index_put_({0, Slice(0, 5)}, torch::randn({5, 32}));  // outside position 9's window of 3 (7, 8, 9)
  auto ya = attn(a), yb = attn(b);
  EXPECT_TRUE(torch::allclose(ya.index({0, Slice(7, 12)}), yb.index({0, Slice(7, 12)}), 1e-6, 1e-6));
  EXPECT_FALSE(torch::allclose(ya.index({0, 6}), yb.index({0, 6}), 1e-6, 1e-6)) << "position 6 sees 4";
}

TEST(Attention, SigmoidGateIsSigmoidOfGammaTimesScoresWithOptionalLogBias) {
  AttentionConfig c;
  c.scores = AttentionScores::SigmoidGate;
  auto scores = torch::randn({1, 2, 3, 3});
  auto gamma = torch::tensor({0.5f, 2.0f});
  auto w = attention_weights(scores, c, gamma);
  EXPECT_NEAR(w[0][1][2][1].item<float>(), 1 / (1 + std::exp(-2.0f * scores[0][1][2][1].item<float>())), 1e-6);
  EXPECT_EQ(w[0][0][0][1].item<float>(), 0.0f) << "the future gets no weight";
  c.sigmoid_log_bias = true;
  auto wb = attention_weights(scores, c, gamma);
  EXPECT_NEAR(wb[0][0][2][0].item<float>(),
              1 / (1 + std::exp(-(0.5f * scores[0][0][2][0].item<float>() - std::log(3.0f)))), 1e-6);
  CausalSelfAttention gated(model(R"({"scores": "sigmoid_gate"})"));
  EXPECT_TRUE(torch::equal(gated->gate_gamma, torch::full({4}, 0.5f))) << "gamma per head, init 0.5";
}

TEST(Attention, MlaIsCausalWithPinnedKeysAndCountedParameters) {
  torch::manual_seed(0);
  auto cfg = model(R"({"kind": "mla", "kv_lora_rank": 12, "rope_head_dim": 4})");
  MultiHeadLatentAttention mla(cfg);
  std::vector<std::string> keys;
  for (auto& p : mla->named_parameters()) keys.push_back(p.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"wq.weight", "wkv_a.weight", "kv_norm.weight", "wkv_b.weight", "wo.weight"}));
  auto a = torch::randn({1, 9, 32});
  auto b = a.clone();
  b.index_put_({0, Slice(6, 9)}, torch::randn({3, 32}));
  auto ya = mla(a), yb = mla(b);
  EXPECT_TRUE(torch::allclose(ya.index({0, Slice(0, 6)}), yb.index({0, Slice(0, 6)}), 1e-6, 1e-6));
  EXPECT_FALSE(torch::allclose(ya.index({0, 7}), yb.index({0, 7}), 1e-6, 1e-6));

  TransformerLM lm(cfg);
  int64_t n = 0;
  for (auto& p : lm->parameters()) n += p.numel();
  EXPECT_EQ(n, model_cost(cfg, 64).params);
}
