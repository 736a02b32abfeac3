// Generated text corpora for the engine's text-data tests: documents of random sentences
// (seeded) and a writer that separates them with blank lines, as data.corpus expects.
#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace r1wb::testing {

// Paragraphs of made-up English from a small vocabulary, 1 to `max_sentences` sentences each,
// so documents differ in length by more than an order of magnitude.
inline std::vector<std::string> make_documents(int n, int max_sentences, uint64_t seed) {
  static const std::vector<std::string> words = {
      "the",      "expert",    "router",     "sends",   "each",       "token", "to",     "two",       "of",
      "eight",    "experts",   "and",        "balance", "loss",       "keeps", "load",   "even",      "attention",
      "heads",    "look",      "back",       "over",    "sequence",   "model", "learns", "reasoning", "steps",
      "before",   "answer",    "curriculum", "raises",  "difficulty", "when",  "falls",  "below",     "threshold",
      "gradient", "optimizer", "updates",    "weights", "with",       "decay"};
  std::mt19937_64 rng(seed);
  std::vector<std::string> docs;
  for (int d = 0; d < n; ++d) {
    std::string doc;
    const int sentences = 1 + int(rng() % max_sentences);
    for (int s = 0; s < sentences; ++s) {
      const int len = 4 + int(rng() % 8);
      for (int w = 0; w < len; ++w) doc += (w ? " " : "") + words[rng() % words.size()];
      doc += ". " + std::to_string(rng() % 1000) + (s % 3 == 2 ? "\n" : " ");
    }
    if (doc.back() != '\n') doc += '\n';
    docs.push_back(doc);
  }
  return docs;
}

inline void write_corpus(const std::filesystem::path& file, const std::vector<std::string>& docs) {
  std::ofstream f(file);
  for (const auto& d : docs) f << d << "\n";  // a blank line ends each document
}

}  // namespace r1wb::testing
