// Pins the data and the curriculum: batches are packed, masked and reproducible; the ramp,
// phase and loss-driven schedules give the mixes they promise; and a training run emits each
// phase (snapshot curriculum/mix) at the configured step.
#include "gpu/data/curriculum.h"
#include "core/config/config.h"
#include "core/wire/event_log.h"
#include "gpu/data/synthetic_data.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {
Experiment experiment(const std::string& json) {
  auto r = parse_experiment(json);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.experiment;
}
}  // namespace

TEST(SyntheticData, BatchesArePackedMaskedAndReproducible) {
  for (const char* task : {"addition", "multiplication", "sorting", "countdown"}) {
    SCOPED_TRACE(task);
    auto e = experiment(std::string(R"({"data": {"seq_len": 128, "task": ")") + task +
                        R"("}, "model": {"max_seq_len": 128}})");
    ByteTokenizer bytes;
    SyntheticData data(e.data, 4, bytes);
    const auto mix = data.uniform_mix();
    auto a = data.batch(7, 0, mix), b = data.batch(7, 0, mix), c = data.batch(8, 0, mix);
    EXPECT_EQ(a.input.sizes(), (std::vector<int64_t>{4, 128}));
    EXPECT_TRUE(torch::equal(a.input, b.input));
    EXPECT_FALSE(torch::equal(a.input, c.input));
    using torch::indexing::Slice;
    EXPECT_TRUE(torch::equal(a.input.index({Slice(), Slice(1, torch::indexing::None)}),
                             a.target.index({Slice(), Slice(0, -1)})));
    const float share = a.mask.mean().item<float>();
    EXPECT_GT(share, 0.3f);  // completions are most of the tokens
    EXPECT_LT(share, 1.0f);
    EXPECT_EQ((a.input == 0).sum().item<int64_t>(), 0) << "no padding";
  }
}

TEST(SyntheticData, TheMixDecidesTheDifficulty) {
  auto e = experiment(
      R"({"data": {"min_difficulty": 1, "max_difficulty": 3, "seq_len": 96}, "model": {"max_seq_len": 96}})");
  ByteTokenizer bytes;
  SyntheticData data(e.data, 8, bytes);
  auto only = [&](int level) {
    DifficultyMix mix(3, 0.0);
    mix[level - 1] = 1.0;
    return data.batch(1, 0, mix).input;
  };
  // With 3-digit operands only, every prompt has 3 digits before '+'; with 1 digit, one.
  auto text = [](const torch::Tensor& row) {
    std::string s;
    for (int64_t i = 0; i < row.size(0); ++i) s += char(row[i].item<int64_t>());
    return s;
  };
  const std::string hard = text(only(3)[0]), easy = text(only(1)[0]);
  const auto first_plus = [](const std::string& s) { return s.find('+', s.find('\n') + 1) - (s.find('\n') + 1); };
  EXPECT_EQ(first_plus(hard), 3u) << hard;
  EXPECT_EQ(first_plus(easy), 1u) << easy;
}

TEST(Curriculum, RampRaisesTheTopLevelOnSchedule) {
  auto e =
      experiment(R"({"data": {"min_difficulty": 1, "max_difficulty": 3, "seq_len": 96}, "model": {"max_seq_len": 96},
                          "curriculum": {"mode": "ramp", "ramp_fraction": 0.6}, "train": {"steps": 100}})");
  Curriculum c(e.curriculum, e.data, 100);
  // (step - 1) / 60 of the ramp, three levels: a level every 20 steps.
  EXPECT_EQ(c.mix_at(1), (DifficultyMix{1, 0, 0}));
  EXPECT_EQ(c.mix_at(20), (DifficultyMix{1, 0, 0}));
  EXPECT_EQ(c.mix_at(21), (DifficultyMix{1, 1, 0}));
  EXPECT_TRUE(c.changed());
  EXPECT_EQ(c.mix_at(41), (DifficultyMix{1, 1, 1}));
  EXPECT_EQ(c.mix_at(100), (DifficultyMix{1, 1, 1}));
  EXPECT_FALSE(c.changed());
}

TEST(Curriculum, LossDrivenAdvancesWhenTheAverageCrossesEachThreshold) {
  auto e = experiment(R"({"curriculum": {"mode": "loss_driven", "loss_ema": 0.5,
                          "phases": [{"loss_below": 1.0, "mix": {"1": 1}}, {"loss_below": 0.5, "mix": {"1": 1, "2": 3}},
                                     {"mix": {"2": 1}}]}})");
  Curriculum c(e.curriculum, e.data, 1000);
  int64_t step = 0;
  auto run = [&](double loss) {
    auto mix = c.mix_at(++step);
    c.observe_loss(loss);
    return mix;
  };
  EXPECT_EQ(run(3.0), (DifficultyMix{1, 0}));
  EXPECT_EQ(run(0.2), (DifficultyMix{1, 0})) << "EMA 1.6 is not below 1.0";
  EXPECT_EQ(run(0.2), (DifficultyMix{1, 0})) << "EMA 0.9 is below 1.0 only after this step";
  EXPECT_EQ(run(0.4), (DifficultyMix{1, 3}));
  EXPECT_TRUE(c.changed());
  EXPECT_EQ(c.phase(), 1);
  // The state survives a checkpoint.
  Curriculum resumed(e.curriculum, e.data, 1000);
  resumed.restore(c.state());
  EXPECT_EQ(resumed.mix_at(step + 1), c.mix_at(step + 1));
}
