#include "core/tasks/verifiers.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace r1wb {
namespace {

constexpr const char* kThink = "<think>";
constexpr const char* kThinkEnd = "</think>";
constexpr const char* kAnswer = "<answer>";
constexpr const char* kAnswerEnd = "</answer>";

size_t count_of(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

//! A number as the tasks write one: digits, no sign, no leading zero (but "0").
std::optional<uint64_t> strict_number(const std::string& s) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s)
    if (c == sep) out.emplace_back();
    else out.back() += c;
  return out;
}

[[noreturn]] void bad_prompt(const std::string& task, const std::string& prompt) {
  throw std::invalid_argument("not a " + task + " prompt: '" + prompt + "'");
}

//! "57+68=" -> {57, 68} with the operator `op`.
std::pair<uint64_t, uint64_t> operands(const std::string& task, const std::string& prompt, char op) {
  if (prompt.empty() || prompt.back() != '=') bad_prompt(task, prompt);
  const auto parts = split(prompt.substr(0, prompt.size() - 1), op);
  if (parts.size() != 2) bad_prompt(task, prompt);
  const auto a = strict_number(parts[0]), b = strict_number(parts[1]);
  if (!a || !b) bad_prompt(task, prompt);
  return {*a, *b};
}

// Countdown expressions: + - * over numbers and parentheses, usual precedence.
class Expression {
 public:
  explicit Expression(const std::string& s) : s_(s) {}
  //! The value, with the numbers it used; nullopt when it is not such an expression.
  std::optional<long long> parse(std::vector<uint64_t>& numbers) {
    numbers_ = &numbers;
    auto v = sum();
    if (!v || i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  std::optional<long long> sum() {
    auto v = product();
    while (v && i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) {
      const char op = s_[i_++];
      auto r = product();
      if (!r) return std::nullopt;
      v = op == '+' ? *v + *r : *v - *r;
    }
    return v;
  }
  std::optional<long long> product() {
    auto v = factor();
    while (v && i_ < s_.size() && s_[i_] == '*') {
      ++i_;
      auto r = factor();
      if (!r) return std::nullopt;
      v = *v * *r;
    }
    return v;
  }
  std::optional<long long> factor() {
    if (i_ < s_.size() && s_[i_] == '(') {
      if (++depth_ > 16) return std::nullopt;
      ++i_;
      auto v = sum();
      if (!v || i_ >= s_.size() || s_[i_] != ')') return std::nullopt;
      ++i_;
      --depth_;
      return v;
    }
    size_t j = i_;
    while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
    auto n = strict_number(s_.substr(i_, j - i_));
    if (!n || *n > 1000000) return std::nullopt;
    i_ = j;
    numbers_->push_back(*n);
    return static_cast<long long>(*n);
  }
  const std::string& s_;
  size_t i_ = 0;
  int depth_ = 0;
  std::vector<uint64_t>* numbers_ = nullptr;
};

//! Checks the answer of a well-formed completion; sets answered, correct and why.
void check_answer(const std::string& task, const std::string& prompt, Verdict& v) {
  const std::string& a = v.answer;
  if (task == "addition" || task == "multiplication") {
    const auto [x, y] = operands(task, prompt, task == "addition" ? '+' : '*');
    const auto n = strict_number(a);
    if (!n) {
      v.why = "the answer '" + a + "' is not a plain number";
      return;
    }
    v.answered = true;
    const uint64_t want = task == "addition" ? x + y : x * y;
    v.correct = *n == want;
    if (!v.correct) v.why = "wrong: " + a + ", the answer is " + std::to_string(want);
    return;
  }
  if (task == "sorting") {
    if (prompt.rfind("sort ", 0) != 0 || prompt.back() != '=') bad_prompt(task, prompt);
    std::vector<uint64_t> given, got;
    for (const auto& p : split(prompt.substr(5, prompt.size() - 6), ',')) {
      auto n = strict_number(p);
      if (!n) bad_prompt(task, prompt);
      given.push_back(*n);
    }
    for (const auto& p : split(a, ',')) {
      auto n = strict_number(p);
      if (!n) {
        v.why = "the answer '" + a + "' is not numbers separated by commas";
        return;
      }
      got.push_back(*n);
    }
    v.answered = true;
    std::sort(given.begin(), given.end());
    v.correct = got == given;
    if (!v.correct) v.why = "wrong: not the prompt's numbers in ascending order";
    return;
  }
  if (task == "countdown") {
    // "make 17 from 3 4 5="
    if (prompt.rfind("make ", 0) != 0 || prompt.back() != '=') bad_prompt(task, prompt);
    const auto from = prompt.find(" from ");
    if (from == std::string::npos) bad_prompt(task, prompt);
    const auto target = strict_number(prompt.substr(5, from - 5));
    std::vector<uint64_t> given;
    for (const auto& p : split(prompt.substr(from + 6, prompt.size() - from - 7), ' ')) {
      auto n = strict_number(p);
      if (!n) bad_prompt(task, prompt);
      given.push_back(*n);
    }
    // The target may be negative ("make -3 from ..."): the tasks combine with '-'.
    long long want = 0;
    if (target) {
      want = static_cast<long long>(*target);
    } else {
      const std::string t = prompt.substr(5, from - 5);
      const auto mag = t.size() > 1 && t[0] == '-' ? strict_number(t.substr(1)) : std::nullopt;
      if (!mag) bad_prompt(task, prompt);
      want = -static_cast<long long>(*mag);
    }
    std::vector<uint64_t> used;
    const auto value = Expression(a).parse(used);
    if (!value) {
      v.why = "the answer '" + a + "' is not an expression of numbers with + - * and parentheses";
      return;
    }
    v.answered = true;
    std::sort(used.begin(), used.end());
    std::sort(given.begin(), given.end());
    if (used != given) {
      v.why = "the expression does not use each of the prompt's numbers exactly once";
      return;
    }
    v.correct = *value == want;
    if (!v.correct) v.why = "wrong: the expression makes " + std::to_string(*value) + ", not " + std::to_string(want);
    return;
  }
  throw std::invalid_argument("unknown task '" + task + "'");
}

}  // namespace

Verdict verify_completion(const std::string& task, const std::string& prompt, const std::string& completion) {
  Verdict v;
  const size_t answers = count_of(completion, kAnswer), ends = count_of(completion, kAnswerEnd);
  const size_t open = completion.find(kAnswer), close = completion.find(kAnswerEnd);
  if (answers == 0 || ends == 0 || close < open) {
    check_answer(task, prompt, v);  // still refuses an unknown task or a foreign prompt
    v.answered = v.correct = false;
    v.why = "no <answer>...</answer>";
    return v;
  }
  v.answer = completion.substr(open + 8, close - open - 8);
  // <think>...</think><answer>...</answer>, then at most a newline (a sampler stops at </answer>).
  const std::string tail = completion.substr(close + 9);
  v.formatted = completion.rfind(kThink, 0) == 0 && count_of(completion, kThink) == 1 &&
                count_of(completion, kThinkEnd) == 1 && completion.find(kThinkEnd) + 8 == open &&
                (tail.empty() || tail == "\n");
  if (answers > 1 || ends > 1) {
    check_answer(task, prompt, v);
    v.answered = v.correct = false;
    v.why = "more than one answer";
    return v;
  }
  if (v.answer.empty()) {
    check_answer(task, prompt, v);
    v.answered = v.correct = false;
    v.why = "the answer is empty";
    return v;
  }
  check_answer(task, prompt, v);
  return v;
}

}  // namespace r1wb
