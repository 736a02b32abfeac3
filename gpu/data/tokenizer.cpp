#include "gpu/data/tokenizer.h"

#include "core/tasks/reasoning_tasks.h"
#include "gpu/data/bpe_tokenizer.h"
#include "gpu/data/token_cache.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

namespace r1wb::gpu {
namespace {

constexpr int kSyntheticSentences = 20000;   // generated examples a synthetic task's BPE learns from
constexpr size_t kMaxSentenceBytes = 60000;  // below the trainer's max_sentence_length

// The sentences a BPE learns from: the corpus's documents, or generated examples.
SentenceSource run_corpus(const DataConfig& d) {
  if (d.task != Task::Text) {
    auto rng = std::make_shared<std::mt19937_64>(uint64_t(d.seed) ^ 0x627065);
    auto n = std::make_shared<int>(0);
    return [d, rng, n](std::string& sentence) {
      if ((*n)++ == kSyntheticSentences) return false;
      const int level = d.min_difficulty + int((*rng)() % uint64_t(d.max_difficulty - d.min_difficulty + 1));
      const auto ex = make_example(name_of(d.task), level, *rng);
      sentence = ex.prompt + ex.completion;
      return true;
    };
  }
  // Whole documents, newlines included, so the pieces learn the text as it will be encoded;
  // SentencePiece skips sentences over max_sentence_length, so long ones are cut to it.
  auto reader = std::make_shared<DocumentReader>(corpus_files(d.corpus));
  return [reader](std::string& sentence) {
    if (!reader->next(sentence)) return false;
    if (sentence.size() > kMaxSentenceBytes) {  // at a line end, else at a UTF-8 character start
      size_t cut = sentence.rfind('\n', kMaxSentenceBytes - 1);
      if (cut == std::string::npos) {
        cut = kMaxSentenceBytes;
        while (cut > 0 && (static_cast<unsigned char>(sentence[cut]) & 0xC0) == 0x80) --cut;
      } else {
        ++cut;
      }
      sentence.resize(cut);
    }
    return true;
  };
}

}  // namespace

std::vector<int64_t> ByteTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string s(ids.size(), '\0');
  for (size_t i = 0; i < ids.size(); ++i) s[i] = static_cast<char>(ids[i] & 0xFF);
  return s;
}

std::unique_ptr<Tokenizer> open_run_tokenizer(const Experiment& e, const std::string& run_dir, const Log& log) {
  if (e.model.tokenizer == TokenizerKind::Byte) return std::make_unique<ByteTokenizer>();
  const std::string path = run_dir + "/tokenizer.model";
  if (!std::filesystem::exists(path)) {
    log("training a " + std::to_string(e.model.vocab_size) + "-piece BPE tokenizer on " +
        (e.data.task == Task::Text ? e.data.corpus
                                   : std::to_string(kSyntheticSentences) + " " + name_of(e.data.task) + " examples"));
    const auto start = std::chrono::steady_clock::now();
    train_bpe(run_corpus(e.data), e.model.vocab_size, path, int(std::max(1u, std::thread::hardware_concurrency())),
              uint32_t(e.data.seed));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", secs);
    log(std::string("tokenizer trained in ") + took + " s: " + path);
  }
  auto tokenizer = open_bpe_tokenizer(path);
  if (tokenizer->vocab_size() > e.model.vocab_size)
    throw std::runtime_error("model.vocab_size: " + std::to_string(e.model.vocab_size) +
                             " is smaller than the tokenizer's " + std::to_string(tokenizer->vocab_size()) + " (" +
                             path + ")");
  return tokenizer;
}

}  // namespace r1wb::gpu
