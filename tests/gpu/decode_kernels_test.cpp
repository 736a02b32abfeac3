// The fused decode kernels (model/decode_kernels.h) equal the LibTorch forms they replace:
// one-query attention on cache-like views (buffers with room to spare) for every score kind
// and mask (softmax, the sigmoid gate with and without its -log T bias, a sliding window
// shorter and longer than the keys, MHA and GQA), RMSNorm and RoPE on strided views.
#include "gpu/model/attention_products.h"
#include "gpu/model/attention_weights.h"
#include "gpu/model/decode_kernels.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

//! The general path: broadcast products and explicit weights, GQA by broadcasting.
torch::Tensor general(const torch::Tensor& q, const torch::Tensor& k_t, const torch::Tensor& v,
                      const AttentionConfig& cfg, const torch::Tensor& gamma) {
  const int64_t B = q.size(0), H = q.size(1), d = q.size(3), G = k_t.size(1), S = k_t.size(3);
  auto qq = q.reshape({B, G, H / G, 1, d});
  auto scores = query_key_scores(qq, k_t.unsqueeze(2)).view({B, H, 1, S}) / std::sqrt(double(d));
  auto w = attention_weights(scores, cfg, gamma);
  return mix_values(w.view({B, G, H / G, 1, S}), v.unsqueeze(2)).view({B, H, 1, d});
}

}  // namespace

TEST(DecodeKernels, AttentionEqualsTheGeneralPathForEveryScoreKindWindowAndHeadSharing) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  const int64_t B = 3, H = 4, d = 16, S = 11, capacity = 20;
  struct Case {
    int kv_heads, window;
    AttentionScores scores;
    bool log_bias;
  };
  const Case cases[] = {{4, 0, AttentionScores::Softmax, false},     {2, 0, AttentionScores::Softmax, false},
                        {1, 0, AttentionScores::Softmax, false},     {4, 5, AttentionScores::Softmax, false},
                        {2, 30, AttentionScores::Softmax, false},    {4, 0, AttentionScores::SigmoidGate, false},
                        {2, 0, AttentionScores::SigmoidGate, true},  {4, 3, AttentionScores::SigmoidGate, true}};
  for (const auto& c : cases) {
    SCOPED_TRACE("kv heads " + std::to_string(c.kv_heads) + ", window " + std::to_string(c.window) + ", sigmoid " +
                 std::to_string(c.scores == AttentionScores::SigmoidGate) + ", log bias " + std::to_string(c.log_bias));
    AttentionConfig cfg;
    cfg.n_kv_heads = c.kv_heads, cfg.sliding_window = c.window, cfg.scores = c.scores, cfg.sigmoid_log_bias = c.log_bias;
    const int64_t G = c.kv_heads;
    // The cache's layout: keys transposed in a buffer with room for `capacity` tokens, S filled.
    const auto k_t = torch::randn({B, G, d, capacity}).narrow(3, 0, S);
    const auto v = torch::randn({B, G, capacity, d}).narrow(2, 0, S);
    const auto q = torch::randn({B, H + 2, 1, d}).narrow(1, 0, H);  // a view, as attention's queries are
    const auto gamma = torch::rand({H}) + 0.5;
    const auto fused = decode_attention(q, k_t, v, cfg, gamma, 1.0 / std::sqrt(double(d)));
    const auto expected = general(q, k_t, v, cfg, c.scores == AttentionScores::SigmoidGate ? gamma : torch::Tensor());
    ASSERT_EQ(fused.sizes(), expected.sizes());
    EXPECT_LT((fused - expected).abs().max().item<double>(), 1e-5);
  }
}

TEST(DecodeKernels, AttentionServesOneFp32QueryRowOnTheCpuWithoutAutogradOnly) {
  EXPECT_FALSE(decode_attention_fuses(torch::zeros({2, 4, 1, 8}))) << "grad mode is on";
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(decode_attention_fuses(torch::zeros({2, 4, 1, 8})));
  EXPECT_FALSE(decode_attention_fuses(torch::zeros({2, 4, 3, 8})));
  EXPECT_FALSE(decode_attention_fuses(torch::zeros({2, 4, 1, 8}, torch::kFloat64)));
}

TEST(DecodeKernels, RmsNormRowsEqualsTheModulesFormulaOnAView) {
  torch::manual_seed(6);
  const auto x = torch::randn({5, 3, 40}).narrow(2, 4, 32);  // not contiguous
  const auto w = torch::randn({32});
  const auto expected = x * torch::rsqrt(x.pow(2).mean(-1, true) + 1e-6) * w;
  EXPECT_LT((rms_norm_rows(x, w, 1e-6) - expected).abs().max().item<double>(), 1e-5);
}

TEST(DecodeKernels, RopeRowsEqualsTheHalfSplitRotationAtAnOffset) {
  torch::manual_seed(7);
  const int64_t dim = 16, half = dim / 2, positions = 30, offset = 9, T = 3;
  const auto angles = torch::rand({positions, half}) * 6;
  const auto cos = angles.cos(), sin = angles.sin();
  // Queries and keys as attention rotates them: a narrow of [B, heads, T, dim] transposed.
  const auto x = torch::randn({2, T, 6, dim}).transpose(1, 2).narrow(1, 0, 5);
  const auto c = cos.narrow(0, offset, T), s = sin.narrow(0, offset, T);
  const auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  const auto expected = torch::cat({x1 * c - x2 * s, x1 * s + x2 * c}, -1);
  EXPECT_LT((rope_rows(x, cos, sin, offset) - expected).abs().max().item<double>(), 1e-6);
}

TEST(DecodeKernels, NormAndRopeServeOnlyInsideInferenceMode) {
  const auto x = torch::zeros({2, 4, 1, 8});
  EXPECT_FALSE(decode_kernels_serve(x));
  c10::InferenceMode on;
  EXPECT_TRUE(decode_kernels_serve(x));
  EXPECT_FALSE(decode_kernels_serve(x.to(torch::kFloat64)));
}
