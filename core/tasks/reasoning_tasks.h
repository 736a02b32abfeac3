// Synthetic reasoning tasks as text, each with a step-by-step scratchpad in R1's format,
// "<prompt><think>steps</think><answer>result</answer>\n", and a difficulty knob:
//   addition        "57+68="           difficulty = digits per operand; column sums with carries
//   multiplication  "57*68="           difficulty = digits per operand; partial products, then sums
//   sorting         "sort 31,4,17="    difficulty + 1 numbers below 100; the minimum picked each step
//   countdown       "make 17 from 3 4 5=" difficulty + 1 numbers from 1-10 combined left to right
//                   with + - *; the steps reach the target, the answer is the expression
// Plain C++ so the config validator can tell whether data.seq_len fits the longest example
// and the GUI can preview examples; the engine tokenizes these strings.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace r1wb {

//! One example split at the prompt: the loss is taken on `completion` only.
struct TaskExample {
  std::string prompt;
  std::string completion;
};

const std::vector<std::string>& task_names();
//! A random example of `task` at `difficulty` (>= 1).
TaskExample make_example(const std::string& task, int difficulty, std::mt19937_64& rng);
//! Which prompts are held out for evaluation: an eighth of them, by a hash of the prompt, so
//! the split is the same in every run and on every machine, and no training batch (pretrain,
//! sft or RL) ever holds an evaluation prompt.
enum class Split { Train, HeldOut };
Split split_of(const std::string& prompt);
//! A random example whose prompt is in `split`.
TaskExample make_example(const std::string& task, int difficulty, std::mt19937_64& rng, Split split);
//! Bytes of the longest example of `task` at `difficulty`.
int max_example_tokens(const std::string& task, int difficulty);
//! Bytes of the longest prompt of `task` at `difficulty` (what a sampled completion follows).
int max_prompt_tokens(const std::string& task, int difficulty);
//! The highest difficulty a task supports.
int max_task_difficulty(const std::string& task);

//! The addition example for given operands (also used by tests and previews).
TaskExample format_addition(uint64_t a, uint64_t b);
TaskExample format_multiplication(uint64_t a, uint64_t b);

}  // namespace r1wb
