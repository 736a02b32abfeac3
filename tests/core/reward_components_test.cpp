// Pins each reward component on completions written by hand, DAPO's overlong shaping, and the
// held-out split: stable, about an eighth of the prompts, and never in a training draw.
#include "core/tasks/reward_components.h"
#include "core/tasks/reasoning_tasks.h"

#include <gtest/gtest.h>

#include <set>

using namespace r1wb;

namespace {
std::vector<int64_t> bytes(const std::string& s) { return std::vector<int64_t>(s.begin(), s.end()); }
RewardComponents score(const std::string& completion, int budget = 64) {
  return score_completion("addition", "57+68=", completion, bytes(completion), budget);
}
}  // namespace

TEST(RewardComponents, EachComponentOnHandWrittenCompletions) {
  const std::string right = "<think>7+8=15 c1;5+6+1=12 c1;</think><answer>125</answer>";
  auto c = score(right);
  EXPECT_EQ(c.accuracy, 1);
  EXPECT_EQ(c.format, 1);
  EXPECT_DOUBLE_EQ(c.charset, 1);
  EXPECT_NEAR(c.length, 1 - double(right.size()) / 64, 1e-12);
  // Wrong answer, good format.
  c = score("<think>x</think><answer>124</answer>");
  EXPECT_EQ(c.accuracy, 0);
  EXPECT_EQ(c.format, 1);
  // Right number outside the tags earns neither accuracy nor format.
  c = score("125");
  EXPECT_EQ(c.accuracy, 0);
  EXPECT_EQ(c.format, 0);
  // Bytes outside the task's alphabet lower the charset score: 4 of 8 here.
  c = score("<t\xc3\xa9\xc3\xa9t>");
  EXPECT_DOUBLE_EQ(c.charset, 0.5);
  // Diversity: "abababab" has 6 3-grams, 2 distinct.
  c = score_completion("addition", "57+68=", "x", bytes("abababab"), 64);
  EXPECT_NEAR(c.diversity, 2.0 / 6, 1e-12);
  c = score_completion("addition", "57+68=", "x", bytes("abcdefgh"), 64);
  EXPECT_DOUBLE_EQ(c.diversity, 1);
  // The length score never goes below 0.
  EXPECT_DOUBLE_EQ(score(right, 10).length, 0);
}

TEST(RewardComponents, WeightsAndOverlongShaping) {
  RlConfig rl;
  rl.rewards = {2, 0.5, 0, 0, 0};
  RewardComponents c;
  c.accuracy = 1, c.format = 1, c.charset = 0.3;
  EXPECT_DOUBLE_EQ(shaped_reward(c, rl, 10), 2.5);
  rl.max_new_tokens = 48, rl.overlong_buffer = 16, rl.overlong_penalty = 1;
  EXPECT_DOUBLE_EQ(shaped_reward(c, rl, 32), 2.5);        // not yet in the buffer
  EXPECT_DOUBLE_EQ(shaped_reward(c, rl, 40), 2.5 - 0.5);  // half way through it
  EXPECT_DOUBLE_EQ(shaped_reward(c, rl, 48), 2.5 - 1.0);  // at the budget
}

TEST(HeldOutSplit, AnEighthOfThePromptsAndNeverDrawnForTraining) {
  int held = 0, total = 0;
  for (int a = 0; a < 100; ++a)
    for (int b = 0; b < 100; ++b, ++total) held += split_of(format_addition(a, b).prompt) == Split::HeldOut;
  EXPECT_NEAR(double(held) / total, 0.125, 0.02);
  std::mt19937_64 rng(3);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto ex = make_example("addition", 1 + i % 2, rng, Split::Train);
    ASSERT_EQ(split_of(ex.prompt), Split::Train) << ex.prompt;
    seen.insert(ex.prompt);
  }
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(seen.count(make_example("addition", 1 + i % 2, rng, Split::HeldOut).prompt), 0u);
  EXPECT_EQ(split_of("57+68="), split_of(std::string("57+68=")));  // a function of the text alone
}
