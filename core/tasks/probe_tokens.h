// The probe's token ids as text for the routing and attention views: a byte tokenizer's id
// is the byte (unprintable ones as \xNN, newline as \n, space as ·), a BPE id is looked up in the run's
// tokenizer.vocab ("id<TAB>piece" per line, written next to tokenizer.model).
#pragma once
#include <string>
#include <vector>

namespace r1wb {

std::vector<std::string> probe_token_texts(const std::vector<float>& ids, const std::string& tokenizer,
                                           const std::string& run_dir);

}  // namespace r1wb
