// The synthetic addition task as text: "57+68=<think>...</think><answer>125</answer>".
// Plain C++ so the config validator can tell whether data.seq_len fits the longest
// example and the GUI can preview examples; the engine tokenizes these strings.
#pragma once
#include <cstdint>
#include <string>

namespace r1wb {

//! One example split at the prompt: the loss is taken on `completion` only.
struct AdditionExample {
  std::string prompt;      //!< "57+68="
  std::string completion;  //!< "<think>7+8=15 c1;5+6+1=12 c1;</think><answer>125</answer>\n"
};

//! Formats a + b with a right-to-left column scratchpad (digit sum and carry per column).
AdditionExample format_addition(uint64_t a, uint64_t b);
//! Length in bytes of the longest example whose operands have at most `digits` digits.
int addition_max_tokens(int digits);

}  // namespace r1wb
