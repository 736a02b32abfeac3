// Pins the telemetry contract's names (wire/telemetry.h): per-layer metric names round-trip,
// labelled probe rows give the choices per layer, and "best" follows the contract.
#include "core/wire/telemetry.h"

#include <gtest/gtest.h>

using namespace r1wb;

TEST(Telemetry, PerLayerMetricNamesRoundTrip) {
  const std::string name = telemetry::moe_layer_metric(3, telemetry::kLayerLoadRatio);
  EXPECT_EQ(name, "moe/L3/load_ratio");
  int block = -1;
  std::string what;
  ASSERT_TRUE(telemetry::parse_moe_layer_metric(name, &block, &what));
  EXPECT_EQ(block, 3);
  EXPECT_EQ(what, "load_ratio");
  EXPECT_FALSE(telemetry::parse_moe_layer_metric("moe/max_load_ratio", &block, &what));
  EXPECT_FALSE(telemetry::parse_moe_layer_metric("moe/Lx/load_ratio", &block, &what));
}

TEST(Telemetry, LabelledProbeRowsGiveTheChoicesPerLayer) {
  std::vector<std::string> labels;
  for (const char* layer : {"layer 1", "MTP"})
    for (int j = 0; j < 3; ++j) labels.push_back(telemetry::probe_choice_label(layer, j));
  EXPECT_EQ(telemetry::probe_choices_per_layer(labels), 3);
  EXPECT_EQ(telemetry::probe_choices_per_layer({}), 0);
}

TEST(Telemetry, BestFollowsTheContractAndFallsBackOnTheName) {
  EXPECT_FALSE(telemetry::higher_is_better(telemetry::kLoss));
  EXPECT_TRUE(telemetry::higher_is_better(telemetry::kTokensPerS));
  EXPECT_TRUE(telemetry::higher_is_better("rl/reward_mean")) << "outside the contract: by name";
  for (const auto& m : telemetry::metrics()) EXPECT_FALSE(m.description.empty()) << m.name;
}
