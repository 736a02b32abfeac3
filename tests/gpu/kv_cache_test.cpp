// The KV cache gives the same logits as a forward over the whole sequence, for every attention
// variant (MHA, GQA, MLA, a sliding window, the sigmoid gate, MoE blocks), prefilled in one
// piece and then fed one token at a time; GQA caches H / G times less than MHA.
#include "gpu/model/transformer.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(KvCache, IncrementalLogitsEqualTheFullForwardForEveryAttentionVariant) {
  const std::vector<std::pair<std::string, nlohmann::json>> variants = {{"", nullptr},
                                                                        {"/model/attention/n_kv_heads", 2},
                                                                        {"/model/attention/kind", "mla"},
                                                                        {"/model/attention/sliding_window", 4},
                                                                        {"/model/attention/scores", "sigmoid_gate"},
                                                                        {"/model/ffn", "dense"}};
  for (const auto& [pointer, value] : variants) {
    SCOPED_TRACE(pointer + " " + value.dump());
    torch::manual_seed(3);
    TransformerLM model(r1wb::testing::tiny_moe_model_with(pointer, value));
    model->eval();
    torch::NoGradGuard no_grad;
    const auto tokens = torch::randint(0, 256, {3, 14}, torch::kInt64);
    const auto full = model->forward(tokens).logits;
    KvCache cache;
    std::vector<torch::Tensor> parts = {model->decode(tokens.narrow(1, 0, 6), cache)};
    for (int64_t t = 6; t < 14; ++t) parts.push_back(model->decode(tokens.narrow(1, t, 1), cache));
    EXPECT_EQ(cache.length, 14);
    const double diff = (torch::cat(parts, 1) - full).abs().max().item<double>();
    EXPECT_LT(diff, 1e-4);
  }
}

TEST(KvCache, GqaCachesFewerHeadsAndRowsRepeatForAGroup) {
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(0, 256, {1, 8}, torch::kInt64);
  KvCache mha, gqa;
  TransformerLM a(r1wb::testing::tiny_moe_model_with("", nullptr)),
      b(r1wb::testing::tiny_moe_model_with("/model/attention/n_kv_heads", 1));
  a->eval(), b->eval();
  a->decode(tokens, mha);
  b->decode(tokens, gqa);
  EXPECT_EQ(mha.bytes(), 4 * gqa.bytes()) << "tiny-moe has 4 heads";
  // One prefill repeated for a group of 3 continues exactly as 3 separate prefills.
  mha.repeat_rows(3);
  const auto next = torch::randint(0, 256, {3, 1}, torch::kInt64);
  const auto grouped = a->decode(next, mha);
  const auto separate = a->forward(torch::cat({tokens.repeat({3, 1}), next}, 1)).logits.narrow(1, 8, 1);
  EXPECT_LT((grouped - separate).abs().max().item<double>(), 1e-4);
}
