// Pins the probes: snapshot names and shapes, expert choices that are the router's, causal
// attention rows that sum to 1, one entropy per layer and head; and that a training run
// emits them every telemetry.probe_every steps along with the step-time split.
#include "gpu/train/probes.h"
#include "core/config/config.h"
#include "gpu/model/transformer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(Probes, SnapshotsDescribeRoutingAndAttentionOnTheProbeText) {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 2, "n_layers": 2, "max_seq_len": 64,
                                          "moe": {"num_experts": 4, "top_k": 2}}})");
  ASSERT_TRUE(r.ok());
  torch::manual_seed(0);
  TransformerLM lm(r.experiment.model);
  lm->train();
  const std::string text = "12+34=<think>";
  auto snaps = run_probes(lm, ByteTokenizer(), text, 7, torch::kCPU);
  EXPECT_TRUE(lm->is_training()) << "the probe restores train mode";
  std::map<std::string, wire::Snapshot> by_name;
  for (auto& s : snaps) {
    EXPECT_EQ(s.step, 7);
    by_name[s.name] = s;
  }
  const uint32_t T = text.size();
  ASSERT_TRUE(by_name.count("probe/tokens"));
  EXPECT_EQ(by_name["probe/tokens"].data[0], float('1'));
  const auto& choice = by_name["probe/expert_choice"];
  EXPECT_EQ(choice.rows, 2u * 2u);  // 2 MoE layers x top-2
  EXPECT_EQ(choice.cols, T);
  for (float e : choice.data) EXPECT_TRUE(e >= 0 && e < 4) << e;
  // The gate weights of each token's experts: positive, and (renormalised) summing to 1.
  const auto& weight = by_name["probe/expert_weight"];
  ASSERT_EQ(weight.rows, choice.rows);
  ASSERT_EQ(weight.cols, T);
  for (uint32_t l = 0; l < 2; ++l)
    for (uint32_t t = 0; t < T; ++t) {
      const float a = weight.data[(2 * l) * T + t], b = weight.data[(2 * l + 1) * T + t];
      EXPECT_GT(a, 0.0f);
      EXPECT_NEAR(a + b, 1.0f, 1e-5) << "layer " << l << " token " << t;
    }
  for (int l = 0; l < 2; ++l) {
    const auto& w = by_name["probe/attention/L" + std::to_string(l)];
    ASSERT_EQ(w.rows, 2u * T);
    ASSERT_EQ(w.cols, T);
    for (uint32_t row = 0; row < w.rows; ++row) {
      const uint32_t t = row % T;
      double sum = 0;
      for (uint32_t k = 0; k < T; ++k) {
        sum += w.data[row * T + k];
        if (k > t) EXPECT_EQ(w.data[row * T + k], 0.0f) << "query " << t << " sees key " << k;
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
  const auto& h = by_name["probe/attention_entropy"];
  EXPECT_EQ(h.rows, 2u);
  EXPECT_EQ(h.cols, 2u);
  for (float x : h.data) EXPECT_TRUE(x >= 0 && x <= std::log(double(T)) + 1e-5);
}
