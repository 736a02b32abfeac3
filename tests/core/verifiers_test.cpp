// Pins the RL verifiers: every example the tasks generate verifies as correct, and hostile
// answers earn nothing (empty, two answers, text or spaces around the number, a sign or a
// leading zero, a countdown that reuses, drops or invents a number), each with its reason.
#include "core/tasks/reasoning_tasks.h"
#include "core/tasks/verifiers.h"

#include <gtest/gtest.h>

#include <random>

using namespace r1wb;

TEST(Verifiers, EveryGeneratedExampleIsCorrectAndFormatted) {
  std::mt19937_64 rng(11);
  int n = 0;
  for (const auto& task : task_names())
    for (int d = 1; d <= std::min(6, max_task_difficulty(task)); ++d)
      for (int i = 0; i < 200; ++i, ++n) {
        const auto ex = make_example(task, d, rng);
        const auto v = verify_completion(task, ex.prompt, ex.completion);
        ASSERT_TRUE(v.correct && v.formatted && v.answered) << task << " " << ex.prompt << ex.completion << ": " << v.why;
        EXPECT_TRUE(v.why.empty());
        // Stopped at </answer> by a sampler: still formatted.
        EXPECT_TRUE(verify_completion(task, ex.prompt, ex.completion.substr(0, ex.completion.size() - 1)).formatted);
      }
  EXPECT_EQ(n, 200 * (6 + 6 + 6 + 6));
}

TEST(Verifiers, HostileArithmeticAnswersEarnNothing) {
  const std::string p = "57+68=";
  auto wrong = [&](const std::string& completion, const std::string& why) {
    const auto v = verify_completion("addition", p, completion);
    EXPECT_FALSE(v.correct) << completion;
    EXPECT_NE(v.why.find(why), std::string::npos) << completion << ": " << v.why;
    return v;
  };
  EXPECT_TRUE(verify_completion("addition", p, "<think>x</think><answer>125</answer>").correct);
  wrong("<think>x</think><answer></answer>", "empty");
  wrong("<think>x</think><answer>125</answer><answer>125</answer>", "more than one");
  wrong("<think>x</think><answer>124</answer><answer>125</answer>", "more than one");
  wrong("<think>x</think><answer> 125</answer>", "not a plain number");
  wrong("<think>x</think><answer>125 </answer>", "not a plain number");
  wrong("<think>x</think><answer>the answer is 125</answer>", "not a plain number");
  wrong("<think>x</think><answer>+125</answer>", "not a plain number");
  wrong("<think>x</think><answer>0125</answer>", "not a plain number");
  wrong("<think>x</think><answer>125.0</answer>", "not a plain number");
  wrong("<think>x</think><answer>124</answer>", "wrong: 124, the answer is 125");
  wrong("125", "no <answer>");
  wrong("<think>x</think></answer>125<answer>", "no <answer>");
  // Right answer, wrong format: correct but not formatted (the format reward tells them apart).
  for (const std::string c : {"<answer>125</answer>", "<think>x</think> <answer>125</answer>",
                              "<answer>125</answer><think>x</think>", "<think>x</think><answer>125</answer> extra",
                              "<think><think>x</think><answer>125</answer>"}) {
    const auto v = verify_completion("addition", p, c);
    EXPECT_TRUE(v.correct) << c;
    EXPECT_FALSE(v.formatted) << c;
  }
  EXPECT_TRUE(verify_completion("multiplication", "57*68=", "<think></think><answer>3876</answer>").correct);
  EXPECT_THROW(verify_completion("addition", "57*68=", "<answer>1</answer>"), std::invalid_argument);
  EXPECT_THROW(verify_completion("poetry", "57+68=", "<answer>1</answer>"), std::invalid_argument);
}

TEST(Verifiers, HostileSortingAndCountdownAnswersEarnNothing) {
  auto sorting = [](const std::string& a) {
    return verify_completion("sorting", "sort 31,4,17=", "<think></think><answer>" + a + "</answer>");
  };
  EXPECT_TRUE(sorting("4,17,31").correct);
  EXPECT_FALSE(sorting("4, 17, 31").correct);
  EXPECT_FALSE(sorting("4,17,31,").correct);
  EXPECT_FALSE(sorting("31,17,4").correct);
  EXPECT_FALSE(sorting("4,17").correct);
  EXPECT_FALSE(sorting("4,4,17,31").correct);

  auto countdown = [](const std::string& a) {
    return verify_completion("countdown", "make 17 from 3 4 5=", "<think></think><answer>" + a + "</answer>");
  };
  EXPECT_TRUE(countdown("3*4+5").correct);
  EXPECT_TRUE(countdown("5+3*4").correct) << "any expression that makes the target from the numbers";
  EXPECT_TRUE(countdown("(3*4)+5").correct);
  EXPECT_FALSE(countdown("17").correct);
  EXPECT_NE(countdown("17").why.find("exactly once"), std::string::npos);
  EXPECT_FALSE(countdown("3*4+5+0").correct) << "a number the prompt does not have";
  EXPECT_FALSE(countdown("3*3+4+4").correct) << "a number used twice";
  EXPECT_FALSE(countdown("3+4+5").correct);
  EXPECT_NE(countdown("3+4+5").why.find("makes 12"), std::string::npos);
  EXPECT_FALSE(countdown("3*4+5=17").correct);
  EXPECT_FALSE(countdown("(3*4+5").correct);
  EXPECT_FALSE(countdown("3*4 + 5").correct);
  EXPECT_FALSE(countdown("-3+4*5").correct) << "no unary minus";
  EXPECT_FALSE(countdown(std::string(100, '(') + "3*4+5" + std::string(100, ')')).correct) << "bounded nesting";
  EXPECT_TRUE(verify_completion("countdown", "make -2 from 3 5=", "<think></think><answer>3-5</answer>").correct);
}
