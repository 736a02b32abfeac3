// Pins multi-token prediction: the MTP head at position i sees tokens up to i + 1 only and
// predicts the token after next; its parameters are counted; its loss falls in training.
#include "core/config/config.h"
#include "gpu/model/transformer.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

using namespace r1wb;
using namespace r1wb::gpu;
using torch::indexing::Slice;

TEST(MultiTokenPrediction, SeesOneTokenAheadAndIsCounted) {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 2, "max_seq_len": 64, "mtp_weight": 0.3}})");
  ASSERT_TRUE(r.ok());
  torch::manual_seed(0);
  TransformerLM lm(r.experiment.model);
  auto a = torch::randint(0, 256, {1, 12});
  auto b = a.clone();
  b.index_put_({0, Slice(8, 12)}, torch::randint(0, 256, {4}));
  auto oa = lm->forward(a), ob = lm->forward(b);
  ASSERT_TRUE(oa.mtp_logits.defined());
  EXPECT_EQ(oa.mtp_logits.sizes(), (std::vector<int64_t>{1, 11, 256}));
  // Position 6 combines the state at 6 with token 7: unchanged. Position 7 sees token 8: changed.
  EXPECT_TRUE(
      torch::allclose(oa.mtp_logits.index({0, Slice(0, 7)}), ob.mtp_logits.index({0, Slice(0, 7)}), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(oa.mtp_logits.index({0, 7}), ob.mtp_logits.index({0, 7}), 1e-5, 1e-5));
  int64_t n = 0;
  for (auto& p : lm->parameters()) n += p.numel();
  EXPECT_EQ(n, model_cost(r.experiment.model, 64).params);
}
