// Magnitude pruning of FFN neurons (gpu/train/ffn_pruning.h): the neurons kept are those of
// largest weight magnitude, and a parent whose other neurons are already zero (so they carry
// nothing) gives a narrower model that computes exactly what the parent computes: for dense
// FFNs, each routed expert with its own neurons, the shared experts, a leading dense layer, the
// experts' shared up-projection; anything but an FFN width that differs is refused, named.
#include "gpu/model/transformer.h"
#include "gpu/train/ffn_pruning.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

//! Zeroes all but `keep` random neurons of a SwiGLU-shaped triple (gate/up rows, down columns).
void silence(torch::Tensor gate, torch::Tensor up, torch::Tensor down, int64_t keep, std::mt19937& rng,
             bool up_too = true) {
  std::vector<int64_t> ids(gate.size(0));
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  for (size_t i = size_t(keep); i < ids.size(); ++i) {
    gate[ids[i]].zero_();
    if (up_too) up[ids[i]].zero_();
    down.select(1, ids[i]).zero_();
  }
}

void silence_block(BlockImpl& b, int64_t keep_dense, int64_t keep_expert, std::mt19937& rng) {
  torch::NoGradGuard no_grad;
  if (b.mlp) silence(b.mlp->w_gate->weight, b.mlp->w_up->weight, b.mlp->w_down->weight, keep_dense, rng);
  if (!b.moe) return;
  auto& m = *b.moe;
  if (m.w_up_shared.defined()) {
    // One set for every expert: zero the shared up rows and every expert's gate rows and down columns.
    std::vector<int64_t> ids(m.w_gate.size(1));
    std::iota(ids.begin(), ids.end(), 0);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (size_t i = size_t(keep_expert); i < ids.size(); ++i) {
      m.w_up_shared[ids[i]].zero_();
      for (int64_t e = 0; e < m.w_gate.size(0); ++e) m.w_gate[e][ids[i]].zero_(), m.w_down[e].select(1, ids[i]).zero_();
    }
  } else {
    for (int64_t e = 0; e < m.w_gate.size(0); ++e) silence(m.w_gate[e], m.w_up[e], m.w_down[e], keep_expert, rng);
  }
  if (m.shared)
    silence(m.shared->w_gate->weight, m.shared->w_up->weight, m.shared->w_down->weight,
            keep_expert * (m.shared->w_gate->weight.size(0) / m.w_gate.size(1)), rng);
}

ModelConfig config_with(nlohmann::json changes) {
  auto doc = r1wb::testing::tiny_moe_doc(100, 0, 1);
  doc["model"].merge_patch(changes);
  const auto r = validate_experiment(doc);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.experiment.model;
}

}  // namespace

TEST(FfnPruning, KeepsTheNeuronsOfLargestMagnitudeInTheirOrder) {
  auto gate = torch::ones({6, 4}), up = torch::ones({6, 4}), down = torch::ones({4, 6});
  gate[1] *= 3, up[4] *= 2, down.select(1, 5) *= 0.5, gate[2] *= 0.1;
  EXPECT_TRUE(torch::equal(kept_neurons(gate, up, down, 3), torch::tensor({1, 3, 4}))) << "0 and 3 tie; the first";
  EXPECT_TRUE(torch::equal(kept_neurons(gate, up, down, 2), torch::tensor({1, 4})));
}

TEST(FfnPruning, ANarrowerModelComputesWhatTheParentDoesWhenThePrunedNeuronsCarryNothing) {
  const std::vector<std::pair<const char*, nlohmann::json>> cases = {
      {"dense", {{"ffn", "dense"}, {"ffn_hidden", 128}}},
      {"moe, shared expert, leading dense layer",
       {{"first_k_dense", 1}, {"ffn_hidden", 96}, {"moe", {{"num_shared_experts", 1}}}}},
      {"moe, shared up-projection", {{"moe", {{"shared_input_proj", true}}}}},
  };
  std::mt19937 rng(3);
  for (const auto& [name, changes] : cases) {
    SCOPED_TRACE(name);
    const auto wide_cfg = config_with(changes);
    auto narrow_changes = changes;
    narrow_changes["ffn_hidden"] = wide_cfg.ffn_hidden / 2;
    narrow_changes["moe"]["expert_hidden"] = wide_cfg.moe.expert_hidden / 4;
    const auto narrow_cfg = config_with(narrow_changes);
    torch::manual_seed(5);
    TransformerLM wide(wide_cfg), narrow(narrow_cfg);
    for (auto& b : *wide->blocks)
      silence_block(*b->as<Block>(), narrow_cfg.ffn_hidden, narrow_cfg.moe.expert_hidden, rng);
    prune_into(wide, narrow);
    wide->eval(), narrow->eval();
    torch::NoGradGuard no_grad;
    const auto tokens = torch::randint(0, wide_cfg.vocab_size, {3, 40});
    const auto a = wide->forward(tokens).logits, b = narrow->forward(tokens).logits;
    EXPECT_LT((a - b).abs().max().item<float>(), 1e-5);
    EXPECT_GT(a.abs().max().item<float>(), 1e-2);
  }
}

TEST(FfnPruning, AnythingButANarrowerFfnIsRefusedNamingTheParameter) {
  TransformerLM wide(config_with({{"ffn", "dense"}, {"ffn_hidden", 128}}));
  TransformerLM wider(config_with({{"ffn", "dense"}, {"ffn_hidden", 256}}));
  TransformerLM other(config_with({{"ffn", "dense"}, {"ffn_hidden", 128}, {"d_model", 32}}));
  try {
    prune_into(wide, wider);
    FAIL() << "widened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("blocks.0.mlp.w_gate.weight is [256, 64] here, [128, 64] in the parent"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(prune_into(wide, other), std::runtime_error);
}
