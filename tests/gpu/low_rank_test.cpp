// Low-rank factorisation (gpu/quant/low_rank.h): the rank-r approximation is the truncated SVD
// (its error is the dropped singular values, Eckart-Young), each expert of a 3-D weight on its
// own; a matrix whose factors would not be smaller is left as it is; the hooks run a model as
// if its matrices were replaced.
#include "gpu/model/transformer.h"
#include "gpu/quant/low_rank.h"
#include "gpu/quant/quantized_size.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(LowRank, TheApproximationDropsExactlyTheSmallestSingularValuesPerExpert) {
  torch::manual_seed(2);
  const auto w = torch::randn({3, 40, 24});
  const auto r = low_rank_weight(w, 5);
  for (int e = 0; e < 3; ++e) {
    const auto s = torch::linalg_svdvals(w[e]);
    const double dropped = s.narrow(0, 5, s.size(0) - 5).pow(2).sum().sqrt().item<double>();
    EXPECT_NEAR((r[e] - w[e]).norm().item<double>(), dropped, 1e-3 * dropped) << e;
    EXPECT_EQ(torch::linalg_matrix_rank(r[e]).item<int64_t>(), 5);
  }
  // A rank-3 matrix is reproduced at rank 3; factors of rank 15 (15 x 64 > 40 x 24) are not smaller: kept.
  const auto low = torch::matmul(torch::randn({40, 3}), torch::randn({3, 24}));
  EXPECT_LT((low_rank_weight(low, 3) - low).abs().max().item<float>(), 1e-4);
  EXPECT_TRUE(torch::equal(low_rank_weight(w, 15), w));
}

TEST(LowRank, HooksRunTheModelAsIfItsMatricesWereReplacedAndTheSizeCountsTheFactors) {
  const auto cfg = r1wb::testing::tiny_moe_model_with("", nullptr);
  torch::manual_seed(4);
  TransformerLM hooked(cfg), replaced(cfg);
  torch::NoGradGuard no_grad;
  auto source = hooked->named_parameters();
  for (auto& p : replaced->named_parameters()) p.value().copy_(source[p.key()]);
  for (auto& b : replaced->named_buffers()) b.value().copy_(hooked->named_buffers()[b.key()]);
  int64_t expected = 0;
  for (auto& p : replaced->named_parameters()) {
    if (is_block_matrix(p.key(), p.value(), true)) {
      p.value().copy_(low_rank_weight(p.value(), 8));
      const int64_t out = p.value().size(-2), in = p.value().size(-1);
      expected += p.value().numel() / (out * in) * 8 * (out + in) * 4;
    } else if (p.key().rfind("mtp_", 0) != 0) {
      expected += p.value().numel() * 4;
    }
  }
  EXPECT_EQ(low_rank_weight_bytes(hooked, 8), expected);
  hooked->set_matmul_hooks(low_rank_hooks(8));
  hooked->eval(), replaced->eval();
  const auto tokens = torch::randint(0, cfg.vocab_size, {2, 30});
  const auto a = hooked->forward(tokens).logits, b = replaced->forward(tokens).logits;
  EXPECT_LT((a - b).abs().max().item<float>(), 1e-5);
}
