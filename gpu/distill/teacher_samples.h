// R1's distillation data: the teacher samples completions of the task's training prompts and
// the task's strict verifier keeps the correct ones (rejection sampling), each kept
// completion a training example for the student's SFT. The set is written to the run
// directory (distill/teacher_samples.jsonl, example_set.h) with what made it, so a resumed run
// trains on the same set and another run can name it in distill.dataset.
#pragma once
#include "core/config/config.h"
#include "core/formats/example_set.h"
#include "gpu/data/tokenizer.h"
#include "gpu/model/transformer.h"

#include <functional>
#include <string>

namespace r1wb::gpu {

struct SampleProgress {
  int prompts_done = 0, prompts = 0;
  int64_t sampled = 0, kept = 0;
  double seconds = 0;
};

//! distill.prompts training prompts (difficulties uniform over the data section's, seeded by
//! data.seed), distill.samples_per_prompt completions of each at distill.sample_temperature,
//! the correct ones kept. `source` has the teacher's run and step added by the caller;
//! this fills in the task, the sampling and the counts (prompts, sampled, kept).
ExampleSet sample_teacher(TransformerLM& teacher, const Tokenizer& tokenizer, const Experiment& e,
                          nlohmann::json source, const std::function<void(const SampleProgress&)>& progress);

//! Where a run keeps its set.
std::string teacher_samples_path(const std::string& run_dir);

//! Reads a set for run `e`: throws std::runtime_error naming the file when it is damaged
//! (read_example_set), was made for another task, or holds no example.
ExampleSet read_teacher_samples(const std::string& path, const Experiment& e);

}  // namespace r1wb::gpu
