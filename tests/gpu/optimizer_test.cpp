// The optimizer's parameter groups: decayed matrices, undecayed rest, then one group per
// learning-rate scale (an objective's own modules, PPO's value head), which learns at its
// multiple of the scheduled rate under AdamW and LAMB alike; a scale that names no parameter
// is a programming error, refused.
#include "gpu/train/optimizer.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(Optimizer, ScaledGroupsFollowTheScheduleAtTheirMultipleForEitherOptimizer) {
  for (const char* kind : {"adamw", "lamb"}) {
    SCOPED_TRACE(kind);
    auto doc = r1wb::testing::tiny_moe_doc(100, 0, 1);
    doc["train"]["optimizer"] = kind;
    doc["train"]["lr"] = 0.01;
    const auto cfg = validate_experiment(doc);
    ASSERT_TRUE(cfg.ok()) << cfg.errors[0].to_string();
    TransformerLM model(cfg.experiment.model);
    const std::vector<LrScale> scales = {{"blocks.1.", 10}, {"embed.", 0.5}};
    auto optimizer = make_optimizer(model, cfg.experiment.train, scales);
    auto& groups = optimizer->param_groups();
    ASSERT_EQ(groups.size(), 4u);
    size_t scaled = 0, in_groups = 0;
    for (const auto& p : model->named_parameters()) scaled += p.key().rfind("blocks.1.", 0) == 0;
    EXPECT_EQ(groups[2].params().size(), scaled) << "every parameter under the prefix, and only those";
    for (const auto& g : groups) in_groups += g.params().size();
    EXPECT_EQ(in_groups, model->parameters().size()) << "each parameter in exactly one group";
    EXPECT_DOUBLE_EQ(groups[0].options().get_lr(), 0.01);
    EXPECT_DOUBLE_EQ(groups[2].options().get_lr(), 0.1);
    EXPECT_DOUBLE_EQ(groups[3].options().get_lr(), 0.005);
    set_learning_rate(*optimizer, 0.002, scales);  // a later step of the schedule
    EXPECT_DOUBLE_EQ(groups[0].options().get_lr(), 0.002);
    EXPECT_DOUBLE_EQ(groups[1].options().get_lr(), 0.002);
    EXPECT_DOUBLE_EQ(groups[2].options().get_lr(), 0.02);
    EXPECT_DOUBLE_EQ(groups[3].options().get_lr(), 0.001);
    EXPECT_THROW(make_optimizer(model, cfg.experiment.train, {{"value_head.", 10}}), std::logic_error);
  }
}
