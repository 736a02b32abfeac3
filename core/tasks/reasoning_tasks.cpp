#include "core/tasks/reasoning_tasks.h"

#include <algorithm>
#include <stdexcept>

namespace r1wb {
namespace {

uint64_t pow10(int d) {
  uint64_t p = 1;
  while (d-- > 0) p *= 10;
  return p;
}

uint64_t operand(int digits, std::mt19937_64& rng) {
  const uint64_t lo = digits == 1 ? 0 : pow10(digits - 1);
  return std::uniform_int_distribution<uint64_t>(lo, pow10(digits) - 1)(rng);
}

TaskExample wrap(std::string prompt, const std::string& think, const std::string& answer) {
  return {std::move(prompt), "<think>" + think + "</think><answer>" + answer + "</answer>\n"};
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

TaskExample format_sorting(std::vector<int> v) {
  std::string prompt = "sort " + join(v) + "=", think;
  std::vector<int> left = v;
  while (!left.empty()) {
    auto it = std::min_element(left.begin(), left.end());
    think += "min " + std::to_string(*it) + ";";
    left.erase(it);
  }
  std::sort(v.begin(), v.end());
  return wrap(prompt, think, join(v));
}

// nums combined left to right with ops[i - 1] between nums[i - 1] and nums[i].
TaskExample format_countdown(const std::vector<int>& nums, const std::string& ops) {
  std::string think, expr = std::to_string(nums[0]);
  long long acc = nums[0];
  for (size_t i = 1; i < nums.size(); ++i) {
    const char sym = ops[i - 1];
    const long long next = sym == '+' ? acc + nums[i] : sym == '-' ? acc - nums[i] : acc * nums[i];
    think += std::to_string(acc) + sym + std::to_string(nums[i]) + "=" + std::to_string(next) + ";";
    expr = (sym == '*' && i > 1 ? "(" + expr + ")" : expr) + sym + std::to_string(nums[i]);
    acc = next;
  }
  std::string prompt = "make " + std::to_string(acc) + " from";
  for (int n : nums) prompt += " " + std::to_string(n);
  return wrap(prompt + "=", think, expr);
}

TaskExample countdown(int count, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> number(1, 10), op(0, 2);
  std::vector<int> nums;
  std::string ops;
  for (int i = 0; i < count; ++i) nums.push_back(number(rng));
  for (int i = 1; i < count; ++i) ops += "+-*"[op(rng)];
  return format_countdown(nums, ops);
}

}  // namespace

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"addition", "multiplication", "sorting", "countdown"};
  return names;
}

int max_task_difficulty(const std::string& task) {
  if (task == "addition") return 18;
  if (task == "multiplication") return 9;
  if (task == "sorting") return 30;
  if (task == "countdown") return 6;
  throw std::invalid_argument("unknown task '" + task + "'");
}

TaskExample format_addition(uint64_t a, uint64_t b) {
  std::string da = std::to_string(a), db = std::to_string(b);
  std::reverse(da.begin(), da.end());
  std::reverse(db.begin(), db.end());
  std::string think;
  int carry = 0;
  for (size_t i = 0; i < std::max(da.size(), db.size()); ++i) {
    int x = i < da.size() ? da[i] - '0' : 0;
    int y = i < db.size() ? db[i] - '0' : 0;
    int s = x + y + carry;
    think += std::to_string(x) + "+" + std::to_string(y);
    if (carry) think += "+1";
    carry = s / 10;
    think += "=" + std::to_string(s) + " c" + std::to_string(carry) + ";";
  }
  return wrap(std::to_string(a) + "+" + std::to_string(b) + "=", think, std::to_string(a + b));
}

TaskExample format_multiplication(uint64_t a, uint64_t b) {
  std::string think;
  const std::string db = std::to_string(b);
  uint64_t sum = 0;
  for (size_t i = 0; i < db.size(); ++i) {  // least significant digit first
    const uint64_t part = a * uint64_t(db[db.size() - 1 - i] - '0') * pow10(int(i));
    const uint64_t digit_value = uint64_t(db[db.size() - 1 - i] - '0') * pow10(int(i));
    think += std::to_string(a) + "*" + std::to_string(digit_value) + "=" + std::to_string(part) + ";";
    if (i > 0) think += std::to_string(sum) + "+" + std::to_string(part) + "=" + std::to_string(sum + part) + ";";
    sum += part;
  }
  return wrap(std::to_string(a) + "*" + std::to_string(b) + "=", think, std::to_string(a * b));
}

TaskExample make_example(const std::string& task, int d, std::mt19937_64& rng) {
  if (task == "addition") return format_addition(operand(d, rng), operand(d, rng));
  if (task == "multiplication") return format_multiplication(operand(d, rng), operand(d, rng));
  if (task == "sorting") {
    std::vector<int> v(d + 1);
    for (auto& x : v) x = std::uniform_int_distribution<int>(0, 99)(rng);
    return format_sorting(v);
  }
  if (task == "countdown") return countdown(d + 1, rng);
  throw std::invalid_argument("unknown task '" + task + "'");
}

Split split_of(const std::string& prompt) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : prompt) h = (h ^ c) * 1099511628211ull;
  return h % 8 == 0 ? Split::HeldOut : Split::Train;
}

TaskExample make_example(const std::string& task, int difficulty, std::mt19937_64& rng, Split split) {
  for (int tries = 0; tries < 100000; ++tries) {
    auto ex = make_example(task, difficulty, rng);
    if (split_of(ex.prompt) == split) return ex;
  }
  throw std::runtime_error(task + " at difficulty " + std::to_string(difficulty) + " has no " +
                           (split == Split::HeldOut ? "held-out" : "training") + " prompts");
}

namespace {
// The longest example of a task at a difficulty, and the bytes a worst case may add to it.
std::pair<TaskExample, int> longest_example(const std::string& task, int d) {
  const uint64_t big = pow10(d) - 1;
  if (task == "addition") return {format_addition(big, big), 0};
  if (task == "multiplication") return {format_multiplication(big, big), 0};
  if (task == "sorting") return {format_sorting(std::vector<int>(d + 1, 99)), 0};
  if (task == "countdown") {
    // All tens multiplied has the longest values and the most parentheses; a minus sign can
    // add a byte to each intermediate value (twice per step) and to the target.
    const int n = d + 1;
    return {format_countdown(std::vector<int>(n, 10), std::string(n - 1, '*')), 2 * n + 1};
  }
  throw std::invalid_argument("unknown task '" + task + "'");
}
}  // namespace

int max_example_tokens(const std::string& task, int d) {
  const auto [ex, slack] = longest_example(task, d);
  return int(ex.prompt.size() + ex.completion.size()) + slack;
}

int max_prompt_tokens(const std::string& task, int d) {
  const auto [ex, slack] = longest_example(task, d);
  return int(ex.prompt.size()) + slack;
}

}  // namespace r1wb
