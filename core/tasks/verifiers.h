// Rule-based verifiers for the synthetic reasoning tasks (reasoning_tasks.h): the reward RL
// trains on. Strict on purpose, since a lax verifier is the best-known way an RL run gets
// hacked: the answer is the text between the one <answer> and the one </answer>, with nothing
// around it (no spaces, no words, no second answer); numbers have no sign and no leading zeros;
// a countdown expression uses exactly the prompt's numbers, each once, with + - * and
// parentheses. The verdict says why a completion earned nothing, for the completions view.
#pragma once
#include <string>

namespace r1wb {

struct Verdict {
  bool formatted = false;  //!< exactly <think>...</think><answer>...</answer>, then at most a newline
  bool answered = false;   //!< one answer, well formed for the task
  bool correct = false;    //!< and it is right
  std::string answer;      //!< the text inside the answer tags (even when it is not well formed)
  std::string why;         //!< empty when correct: what is wrong, in words
};

//! Checks `completion` as the answer to `prompt` of `task` ("addition", "multiplication",
//! "sorting", "countdown"). Throws std::invalid_argument for an unknown task or a prompt the
//! task never makes.
Verdict verify_completion(const std::string& task, const std::string& prompt, const std::string& completion);

}  // namespace r1wb
