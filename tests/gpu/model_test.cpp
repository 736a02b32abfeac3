// Pins the model: expert loads sum to 1 per layer, attention is causal, checkpoint keys do
// not drift, parameter counts match model_cost.
#include "tests/gpu/seeded.h"
#include "core/config/config.h"
#include "gpu/model/transformer.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

Experiment tiny() {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 2, "max_seq_len": 64,
                                         "moe": {"num_experts": 4, "top_k": 2, "expert_hidden": 24}}})");
  EXPECT_TRUE(r.ok());
  return r.experiment;
}


}  // namespace

using Transformer = r1wb::testing::Seeded;

TEST_F(Transformer, ExpertLoadsSumToOnePerMoeLayerAndAuxLossIsAboutOne) {
  auto e = tiny();
  TransformerLM lm(e.model);
  auto out = lm->forward(torch::randint(0, 256, {4, 32}));
  ASSERT_EQ(out.moe.size(), size_t(e.model.n_layers));
  for (auto& m : out.moe) {
    EXPECT_EQ(m.load.size(0), e.model.moe.num_experts);
    EXPECT_NEAR(m.load.sum().item<float>(), 1.0f, 1e-5);
  }
  // E * sum f_i P_i is 1 at perfect balance and at least near 1 otherwise.
  EXPECT_GT(out.aux_loss.item<float>(), 0.9f);
}

TEST_F(Transformer, FirstKDenseBlocksHaveNoRouterAndCostCountsThem) {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 2, "n_layers": 3, "first_k_dense": 2,
                                          "ffn_hidden": 40, "moe": {"num_shared_experts": 1}}})");
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  TransformerLM lm(r.experiment.model);
  auto out = lm->forward(torch::randint(0, 256, {2, 8}));
  ASSERT_EQ(out.moe.size(), 1u);
  EXPECT_EQ(out.moe[0].layer, 2);
  EXPECT_TRUE(lm->blocks[0]->as<Block>()->mlp);
  EXPECT_FALSE(lm->blocks[0]->as<Block>()->moe);
  int64_t n = 0;
  for (auto& p : lm->parameters()) n += p.numel();
  EXPECT_EQ(n, model_cost(r.experiment.model, 64).params);
}

TEST_F(Transformer, MoeLayersReportInTheOrderCoreNamesThem) {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 2, "n_layers": 3, "first_k_dense": 1,
                                          "ffn_hidden": 40, "mtp_weight": 0.3}})");
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  TransformerLM lm(r.experiment.model);
  auto out = lm->forward(torch::randint(0, 256, {2, 8}));
  const auto names = moe_layer_names(r.experiment.model);
  ASSERT_EQ(names, (std::vector<std::string>{"layer 1", "layer 2", "MTP"}));
  ASSERT_EQ(out.moe.size(), names.size()) << "one expert-load row per name";
  EXPECT_EQ(out.moe[0].layer, 1);
  EXPECT_EQ(out.moe[1].layer, 2);
  EXPECT_EQ(out.moe[2].layer, 3) << "the MTP block comes last";
}

TEST_F(Transformer, AttentionIsCausal) {
  auto e = tiny();
  TransformerLM lm(e.model);
  auto a = torch::randint(0, 256, {1, 20});
  auto b = a.clone();
  b.index_put_({0, torch::indexing::Slice(12, 20)}, torch::randint(0, 256, {8}));
  auto la = lm->forward(a).logits, lb = lm->forward(b).logits;
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::allclose(la.index({0, Slice(0, 12)}), lb.index({0, Slice(0, 12)}), 1e-5, 1e-5));
  EXPECT_FALSE(torch::allclose(la.index({0, Slice(12, 20)}), lb.index({0, Slice(12, 20)}), 1e-5, 1e-5));
}

TEST_F(Transformer, CheckpointKeysArePinned) {
  auto e = tiny();
  TransformerLM lm(e.model);
  std::vector<std::string> keys;
  for (auto& p : lm->named_parameters()) keys.push_back(p.key());
  const std::vector<std::string> expected = {"embed.weight",
                                             "blocks.0.attn_norm.weight",
                                             "blocks.0.attn.qkv.weight",
                                             "blocks.0.attn.proj.weight",
                                             "blocks.0.ffn_norm.weight",
                                             "blocks.0.moe.w_gate",
                                             "blocks.0.moe.w_up",
                                             "blocks.0.moe.w_down",
                                             "blocks.0.moe.router.weight",
                                             "blocks.1.attn_norm.weight",
                                             "blocks.1.attn.qkv.weight",
                                             "blocks.1.attn.proj.weight",
                                             "blocks.1.ffn_norm.weight",
                                             "blocks.1.moe.w_gate",
                                             "blocks.1.moe.w_up",
                                             "blocks.1.moe.w_down",
                                             "blocks.1.moe.router.weight",
                                             "norm.weight"};
  EXPECT_EQ(keys, expected);
}

TEST_F(Transformer, DenseUntiedVariantBuildsAndCountsParameters) {
  auto r = parse_experiment(R"({"model": {"ffn": "dense", "tie_embeddings": false, "d_model": 32, "n_heads": 2}})");
  ASSERT_TRUE(r.ok());
  TransformerLM lm(r.experiment.model);
  int64_t n = 0;
  for (auto& p : lm->parameters()) n += p.numel();
  EXPECT_EQ(n, model_cost(r.experiment.model, 64).params);
  EXPECT_TRUE(lm->forward(torch::randint(0, 256, {2, 8})).moe.empty());
}
