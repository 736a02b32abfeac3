// Next-token log-probabilities at every position of a text: what `r1wb-run logprobs` prints for
// the engine and what llama.cpp gives for an export (core/formats/llama_cpp_logprobs.h), and
// the one measure every export check compares them by. The bounds are the product's promise
// per stored type: f32 within 1e-3; the rounded types (whose matmul inputs llama.cpp rounds
// too, which the engine on the dequantized weights does not) within the measured bounds.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace r1wb {

struct NextLogprobs {
  std::vector<int64_t> tokens;
  std::vector<std::vector<double>> rows;  //!< one per token: log p(next = v); NaN where p is 0
};

//! {"tokens": [...], "next_logprobs": [[...], ...]} (null entries read as NaN); throws
//! std::runtime_error naming what is missing or malformed.
NextLogprobs parse_next_logprobs(const std::string& json_text);

//! Largest |reference - other| over the entries the reference gives more than e^floor (the tail
//! below is float noise in either runtime); an entry `other` lacks there counts as infinite.
//! Rows beyond the shorter of the two are not compared (callers check the tokens first).
double max_logprob_difference(const NextLogprobs& reference, const NextLogprobs& other, double floor = -20);

//! The largest difference an export of `type` ("f32", "f16", "bf16", "q8_0", "q4_0") may show
//! against the engine evaluating the same stored weights; 0 for a type it does not know.
double llama_cpp_bound(const std::string& type);

}  // namespace r1wb
