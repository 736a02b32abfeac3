// Pins the synthetic reasoning tasks: exact formats for known inputs, answers that are right
// for random examples at every difficulty, and length bounds that hold for what is generated.
#include "core/tasks/reasoning_tasks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace r1wb;

namespace {
std::string answer_of(const TaskExample& ex) {
  const auto a = ex.completion.find("<answer>") + 8;
  return ex.completion.substr(a, ex.completion.find("</answer>") - a);
}
std::vector<long long> numbers(const std::string& s, char sep) {
  std::vector<long long> v;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep))
    if (!part.empty()) v.push_back(std::stoll(part));
  return v;
}
// Left-to-right evaluation of countdown's expression ("(3*4)+5", parentheses only group).
long long eval_left_to_right(std::string e) {
  e.erase(std::remove(e.begin(), e.end(), '('), e.end());
  e.erase(std::remove(e.begin(), e.end(), ')'), e.end());
  size_t i = 0;
  auto number = [&] {
    size_t used;
    long long v = std::stoll(e.substr(i), &used);
    i += used;
    return v;
  };
  long long acc = number();
  while (i < e.size()) {
    const char op = e[i++];
    const long long x = number();
    acc = op == '+' ? acc + x : op == '-' ? acc - x : acc * x;
  }
  return acc;
}
}  // namespace

TEST(ReasoningTasks, KnownExamplesHaveTheirScratchpads) {
  EXPECT_EQ(format_addition(57, 68).prompt, "57+68=");
  EXPECT_EQ(format_addition(57, 68).completion, "<think>7+8=15 c1;5+6+1=12 c1;</think><answer>125</answer>\n");
  EXPECT_EQ(format_multiplication(57, 68).completion,
            "<think>57*8=456;57*60=3420;456+3420=3876;</think><answer>3876</answer>\n");
}

TEST(ReasoningTasks, AnswersAreRightAndFitTheirBoundAtEveryDifficulty) {
  std::mt19937_64 rng(7);
  for (const auto& task : task_names()) {
    for (int d = 1; d <= std::min(6, max_task_difficulty(task)); ++d) {
      const int bound = max_example_tokens(task, d);
      for (int i = 0; i < 200; ++i) {
        const auto ex = make_example(task, d, rng);
        SCOPED_TRACE(task + " d=" + std::to_string(d) + ": " + ex.prompt + ex.completion);
        ASSERT_LE(int(ex.prompt.size() + ex.completion.size()), bound);
        ASSERT_EQ(ex.completion.rfind("<think>", 0), 0u);
        const std::string answer = answer_of(ex);
        if (task == "addition" || task == "multiplication") {
          const char op = task == "addition" ? '+' : '*';
          const auto ops = numbers(ex.prompt.substr(0, ex.prompt.size() - 1), op);
          ASSERT_EQ(std::stoll(answer), op == '+' ? ops[0] + ops[1] : ops[0] * ops[1]);
        } else if (task == "sorting") {
          auto in = numbers(ex.prompt.substr(5, ex.prompt.size() - 6), ',');
          ASSERT_EQ(int(in.size()), d + 1);
          std::sort(in.begin(), in.end());
          ASSERT_EQ(numbers(answer, ','), in);
        } else {
          const long long target = std::stoll(ex.prompt.substr(5));
          ASSERT_EQ(eval_left_to_right(answer), target);
        }
      }
    }
  }
}
