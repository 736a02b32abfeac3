#include "gpu/distill/teacher_samples.h"

#include "core/tasks/verifiers.h"
#include "gpu/sample/sampler.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

namespace r1wb::gpu {

ExampleSet sample_teacher(TransformerLM& teacher, const Tokenizer& tokenizer, const Experiment& e,
                          nlohmann::json source, const std::function<void(const SampleProgress&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const auto& d = e.distill;
  const std::string task = name_of(e.data.task);
  std::seed_seq seed{uint64_t(e.data.seed), uint64_t(0x44495354)};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> level(e.data.min_difficulty, e.data.max_difficulty);
  SamplingOptions s;
  s.temperature = d.sample_temperature;
  s.max_new_tokens = d.max_new_tokens;
  ExampleSet set;
  SampleProgress p;
  p.prompts = d.prompts;
  constexpr int kChunk = 128;  // prompts per sampling call: the progress line's grain
  while (p.prompts_done < d.prompts) {
    const int n = std::min(kChunk, d.prompts - p.prompts_done);
    std::vector<std::string> prompts;
    for (int i = 0; i < n; ++i) prompts.push_back(make_example(task, level(rng), rng, Split::Train).prompt);
    s.seed = rng();
    const auto groups = sample_groups(teacher, tokenizer, prompts, d.samples_per_prompt, s);
    for (size_t i = 0; i < prompts.size(); ++i)
      for (const auto& c : groups[i]) {
        ++p.sampled;
        if (!verify_completion(task, prompts[i], c.text).correct) continue;
        ++p.kept;
        set.examples.push_back({prompts[i], c.text + "\n"});  // as the task's own completions end
      }
    p.prompts_done += n;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress(p);
  }
  source["task"] = task;
  source["min_difficulty"] = e.data.min_difficulty;
  source["max_difficulty"] = e.data.max_difficulty;
  source["seed"] = e.data.seed;
  source["prompts"] = d.prompts;
  source["samples_per_prompt"] = d.samples_per_prompt;
  source["sample_temperature"] = d.sample_temperature;
  source["max_new_tokens"] = d.max_new_tokens;
  source["sampled"] = p.sampled;
  source["kept"] = p.kept;
  set.source = std::move(source);
  return set;
}

std::string teacher_samples_path(const std::string& run_dir) {
  return (std::filesystem::path(run_dir) / "distill" / "teacher_samples.jsonl").string();
}

ExampleSet read_teacher_samples(const std::string& path, const Experiment& e) {
  auto set = read_example_set(path);
  const std::string task = name_of(e.data.task);
  const auto made_for = set.source.value("task", std::string());
  if (made_for != task)
    throw std::runtime_error(path + ": made for task \"" + made_for + "\", but this run's data.task is \"" + task +
                             "\"");
  if (set.examples.empty())
    throw std::runtime_error(path + ": holds no example (the teacher solved none of its prompts)");
  return set;
}

}  // namespace r1wb::gpu
