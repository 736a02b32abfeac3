// Pins the derive diff (leaf by leaf, 1 == 1.0, lists whole) and the cost line's arithmetic
// on a hand-counted model. gpu_tests pin model_cost to the engine's real modules.
#include "core/config/config_diff.h"
#include "core/config/model_cost.h"
#include "core/store/store.h"
#include "core/tasks/probe_tokens.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace r1wb;
using nlohmann::json;

TEST(ConfigDiff, ListsChangedAddedAndRemovedLeaves) {
  const json parent = {{"name", "a"},
                       {"model", {{"moe", {{"top_k", 2}, {"num_experts", 8}}}, {"d_model", 64}}},
                       {"train", {{"lr", 1.0}}},
                       {"data", {{"phases", {1, 2}}}}};
  json child = parent;
  child["name"] = "a-2";
  child["model"]["moe"]["top_k"] = 4;
  child["train"]["lr"] = 1;          // same number
  child["data"]["phases"] = {1, 3};  // a list changes as a whole
  child["model"].erase("d_model");
  child["train"]["warmup_steps"] = 10;
  std::vector<std::string> lines;
  for (const auto& c : diff_configs(parent, child)) lines.push_back(to_string(c));
  EXPECT_EQ(lines, (std::vector<std::string>{"data.phases: [1,2] -> [1,3]", "model.d_model: 64 -> (none)",
                                             "model.moe.top_k: 2 -> 4", "name: \"a\" -> \"a-2\"",
                                             "train.warmup_steps: (none) -> 10"}));
  EXPECT_TRUE(diff_configs(parent, parent).empty());
}

TEST(ModelCost, RunCostIsThreeForwardPassesOverEveryStepsTokens) {
  Experiment e;
  ModelConfig& m = e.model;
  m.vocab_size = 100;
  m.d_model = 8;
  m.n_layers = 2;
  m.n_heads = 2;
  m.ffn = FfnKind::Moe;
  m.first_k_dense = 1;
  m.ffn_hidden = 16;
  m.tie_embeddings = true;
  m.attention.kind = AttentionKind::Mha;
  m.attention.scores = AttentionScores::Softmax;
  m.moe.num_experts = 4;
  m.moe.top_k = 1;
  m.moe.expert_hidden = 4;
  e.data.seq_len = 10;
  e.train.batch_size = 2;
  e.train.grad_accum = 3;
  e.train.steps = 5;
  const auto c = run_cost(e);
  // Hand count: embedding 800, per block 2 norms (16) and attention 8*24 + 64; block 0 dense
  // 3*8*16, block 1 router 32 and 4 experts of 3*4*8 (one active); final norm 8.
  const int64_t shared = 800 + 2 * (16 + 256) + 384 + 32 + 8;
  EXPECT_EQ(c.model.params, shared + 4 * 96);
  EXPECT_EQ(c.model.active_params, shared + 96);
  EXPECT_EQ(c.tokens_per_step, 60);
  EXPECT_DOUBLE_EQ(c.train_flops_per_token, 3.0 * c.model.forward_flops_per_token);
  EXPECT_DOUBLE_EQ(c.total_flops, c.train_flops_per_token * 60 * 5);
  EXPECT_EQ(si_number(1234567), "1.23 M");
  EXPECT_EQ(si_number(512), "512");
}

TEST(ModelCost, ThroughputComesFromThisHostsCompletedRuns) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  const json doc = r1wb::testing::tiny_moe_doc(30, 0, 5);
  const double fpt = run_cost(validate_experiment(doc).experiment).train_flops_per_token;
  auto add = [&](const std::string& name, const std::string& host, const std::string& status, double tps) {
    const int64_t id = store.create_run(name, "x", doc.dump(), "/r/" + name, host);
    store.ingest(id, {{1, wire::Metrics{1, 0.0, {{"perf/tokens_per_s", tps}}}},
                      {2, wire::Metrics{2, 0.0, {{"perf/tokens_per_s", tps * 3}}}}});
    store.set_status(id, *parse_run_status(status));
  };
  EXPECT_FALSE(measured_throughput(store, "here"));
  add("a", "here", "completed", 1000);  // mean 2000
  add("b", "here", "completed", 2000);  // mean 4000
  add("c", "here", "failed", 1e9);
  add("d", "elsewhere", "completed", 1e9);
  const auto tp = measured_throughput(store, "here");
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->runs, 2);
  EXPECT_DOUBLE_EQ(tp->flops_per_s, 3000 * fpt);
}

TEST(ProbeTokens, BytesAreReadableAndBpeIdsComeFromTheRunsVocab) {
  EXPECT_EQ(probe_token_texts({'5', '+', ' ', '\n', 7}, "byte", ""),
            (std::vector<std::string>{"5", "+", "\xC2\xB7", "\\n", "\\x07"}));
  r1wb::testing::TempDir t;
  std::ofstream(t.path / "tokenizer.vocab") << "0\t<unk>\n1\t\xE2\x96\x81the\n2\tcat\n";
  EXPECT_EQ(probe_token_texts({1, 2, 9}, "bpe", t.path.string()),
            (std::vector<std::string>{"\xC2\xB7the", "cat", "#9"}));
}
