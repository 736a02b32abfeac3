// The memory estimate a CPU run is checked against before it allocates: its parameter count
// is the real model's for every architecture variant, and the config that took 24 GB and the
// OOM killer (model.vocab_size 1048576) is estimated above what a 24 GB machine has.
#include "gpu/train/memory_estimate.h"
#include "gpu/model/transformer.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {
int64_t real_parameters(const Experiment& e) {
  TransformerLM model(e.model);
  int64_t n = 0;
  for (const auto& p : model->parameters()) n += p.numel();
  return n;
}
}  // namespace

TEST(MemoryEstimate, CountsTheParametersOfEveryVariant) {
  const auto base = r1wb::testing::tiny_moe_doc(100, 50, 1);
  std::vector<std::pair<std::string, nlohmann::json>> variants = {{"tiny-moe", {}}};
  auto add = [&](const std::string& name, const std::string& path, nlohmann::json value) {
    variants.emplace_back(name, nlohmann::json::object({{path, value}}));
  };
  add("dense", "/model/ffn", "dense");
  add("mla", "/model/attention/kind", "mla");
  add("gqa", "/model/attention/n_kv_heads", 2);
  add("untied", "/model/tie_embeddings", false);
  add("mtp", "/model/mtp_weight", 0.3);
  add("shared experts", "/model/moe/num_shared_experts", 1);
  add("shared up-projection", "/model/moe/shared_input_proj", true);
  add("first dense", "/model/first_k_dense", 1);
  for (const auto& [name, change] : variants) {
    SCOPED_TRACE(name);
    auto doc = base;
    for (const auto& [path, value] : change.items()) doc[nlohmann::json::json_pointer(path)] = value;
    const auto cfg = validate_experiment(doc);
    ASSERT_TRUE(cfg.ok()) << cfg.errors[0].to_string();
    EXPECT_EQ(estimate_training_memory(cfg.experiment).parameters, real_parameters(cfg.experiment));
  }
}

TEST(MemoryEstimate, AMillionTokenVocabularyIsEstimatedBeyondA24GbMachine) {
  auto doc = r1wb::testing::tiny_moe_doc(100, 50, 1);
  doc["model"]["vocab_size"] = 1048576;
  const auto cfg = validate_experiment(doc);
  ASSERT_TRUE(cfg.ok());
  const auto est = estimate_training_memory(cfg.experiment);
  EXPECT_GT(est.total(), 24.0 * (1 << 30)) << est.describe();
  EXPECT_GT(est.logits_bytes, est.state_bytes) << "the logits are the part to lower";
  const auto tiny = estimate_training_memory(validate_experiment(r1wb::testing::tiny_moe_doc(100, 50, 1)).experiment);
  EXPECT_LT(tiny.total(), 1.0 * (1 << 30)) << "the shipped experiment fits anywhere: " << tiny.describe();
}
