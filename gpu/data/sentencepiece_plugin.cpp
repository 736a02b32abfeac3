// libr1wb_sentencepiece.so: SentencePiece's trainer and processor behind the Tokenizer
// interface. Links libsentencepiece and nothing of LibTorch (see bpe_tokenizer.h).
#include "gpu/data/sentencepiece_plugin.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

namespace r1wb::gpu {
namespace {

class SentencePieceBpe : public Tokenizer {
 public:
  explicit SentencePieceBpe(const std::string& model_path) {
    if (auto st = sp_.Load(model_path); !st.ok())
      throw std::runtime_error("tokenizer " + model_path + ": " + st.ToString());
    for (unsigned char c : sp_.serialized_model_proto()) fingerprint_ = (fingerprint_ ^ c) * 16777619u;  // FNV-1a
  }
  std::vector<int64_t> encode(const std::string& text) const override {
    std::vector<int> ids;
    if (auto st = sp_.Encode(text, &ids); !st.ok()) throw std::runtime_error("bpe encode: " + st.ToString());
    return {ids.begin(), ids.end()};
  }
  std::string decode(const std::vector<int64_t>& ids) const override {
    std::string text;
    if (auto st = sp_.Decode(std::vector<int>(ids.begin(), ids.end()), &text); !st.ok())
      throw std::runtime_error("bpe decode: " + st.ToString());
    return text;
  }
  std::string piece(int64_t id) const override { return sp_.IdToPiece(int(id)); }
  int64_t document_end() const override { return sp_.eos_id(); }
  int64_t vocab_size() const override { return sp_.GetPieceSize(); }
  uint32_t fingerprint() const override { return fingerprint_; }
  float score(int64_t id) const override { return sp_.GetScore(int(id)); }
  TokenKind kind(int64_t id) const override {
    if (sp_.IsUnknown(int(id))) return TokenKind::Unknown;
    if (sp_.IsControl(int(id))) return TokenKind::Control;
    if (sp_.IsByte(int(id))) return TokenKind::Byte;
    if (sp_.IsUnused(int(id))) return TokenKind::Unused;
    return TokenKind::Normal;
  }

 private:
  sentencepiece::SentencePieceProcessor sp_;
  uint32_t fingerprint_ = 2166136261u;
};

class SourceIterator : public sentencepiece::SentenceIterator {
 public:
  explicit SourceIterator(const std::function<bool(std::string&)>& source) : source_(source) { Next(); }
  bool done() const override { return done_; }
  void Next() override { done_ = !source_(value_); }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::function<bool(std::string&)>& source_;
  std::string value_;
  bool done_ = false;
};

void write_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

void train(const std::function<bool(std::string&)>& sentences, int vocab_size, const std::string& model_path,
           int threads, uint32_t seed) {
  sentencepiece::SetRandomGeneratorSeed(seed);  // the sentence sampling of large corpora
  const std::unordered_map<std::string, std::string> args{
      {"model_type", "bpe"},
      {"vocab_size", std::to_string(vocab_size)},
      {"character_coverage", "1.0"},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "false"},
      {"allow_whitespace_only_pieces", "true"},
      {"max_sentence_length", "65536"},
      {"input_sentence_size", "2000000"},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(std::max(1, threads))},
      {"minloglevel", "2"},
  };
  SourceIterator it(sentences);
  std::string proto;
  if (auto st = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto); !st.ok())
    throw std::runtime_error("model.vocab_size: " + std::to_string(vocab_size) +
                             " cannot be trained on this corpus (SentencePiece: " + st.ToString() + ")");
  write_atomically(model_path, proto);
  SentencePieceBpe trained(model_path);
  std::string vocab;
  for (int64_t i = 0; i < trained.vocab_size(); ++i) vocab += std::to_string(i) + "\t" + trained.piece(i) + "\n";
  write_atomically(std::filesystem::path(model_path).replace_extension(".vocab").string(), vocab);
}

}  // namespace
}  // namespace r1wb::gpu

extern "C" r1wb::gpu::Tokenizer* r1wb_sentencepiece_open(const std::string& model_path, std::string* error) {
  try {
    return new r1wb::gpu::SentencePieceBpe(model_path);
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}

extern "C" bool r1wb_sentencepiece_train(const std::function<bool(std::string&)>& sentences, int vocab_size,
                                         const std::string& model_path, int threads, uint32_t seed,
                                         std::string* error) {
  try {
    r1wb::gpu::train(sentences, vocab_size, model_path, threads, seed);
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}
