#include "core/tasks/reward_components.h"

#include "core/tasks/reasoning_tasks.h"
#include "core/tasks/verifiers.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <tuple>

namespace r1wb {
namespace {

//! The bytes a task's own completions use: those of a few hundred generated examples at
//! every difficulty (digits, operators, the tags, "c" carries, separators).
const std::array<bool, 256>& alphabet(const std::string& task) {
  static std::mutex mutex;
  static std::map<std::string, std::array<bool, 256>> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find(task);
  if (it != known.end()) return it->second;
  std::array<bool, 256> set{};
  std::mt19937_64 rng(7);
  for (int d = 1; d <= max_task_difficulty(task); ++d)
    for (int i = 0; i < 50; ++i)
      for (unsigned char c : make_example(task, d, rng).completion) set[c] = true;
  return known.emplace(task, set).first->second;
}

}  // namespace

const std::vector<std::string>& reward_component_names() {
  static const std::vector<std::string> names = {"accuracy", "format", "charset", "length", "diversity"};
  return names;
}

RewardComponents score_completion(const std::string& task, const std::string& prompt, const std::string& completion,
                                  const std::vector<int64_t>& tokens, int max_new_tokens) {
  RewardComponents c;
  const Verdict v = verify_completion(task, prompt, completion);
  c.accuracy = v.correct ? 1 : 0;
  c.format = v.formatted ? 1 : 0;
  const auto& ok = alphabet(task);
  size_t in = 0;
  for (unsigned char ch : completion) in += ok[ch] ? 1 : 0;
  c.charset = completion.empty() ? 0 : double(in) / double(completion.size());
  c.length = max_new_tokens > 0 ? std::max(0.0, 1.0 - double(tokens.size()) / max_new_tokens) : 0;
  if (tokens.size() < 3) {
    c.diversity = tokens.empty() ? 0 : 1;
  } else {
    std::set<std::tuple<int64_t, int64_t, int64_t>> grams;
    for (size_t i = 0; i + 2 < tokens.size(); ++i) grams.emplace(tokens[i], tokens[i + 1], tokens[i + 2]);
    c.diversity = double(grams.size()) / double(tokens.size() - 2);
  }
  return c;
}

double shaped_reward(const RewardComponents& c, const RlConfig& rl, int64_t length) {
  const auto& w = rl.rewards;
  double r = w.accuracy * c.accuracy + w.format * c.format + w.charset * c.charset + w.length * c.length +
             w.diversity * c.diversity;
  if (rl.overlong_buffer > 0) {
    const int64_t start = rl.max_new_tokens - rl.overlong_buffer;
    if (length > start) r -= rl.overlong_penalty * std::min(1.0, double(length - start) / double(rl.overlong_buffer));
  }
  return r;
}

}  // namespace r1wb
