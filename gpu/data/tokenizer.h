// Text <-> token ids. Two kinds, chosen by model.tokenizer:
//   byte  id = byte value (vocabulary 256); lossless, nothing to train.
//   bpe   a SentencePiece BPE model (bpe_tokenizer.h) trained from the run's own corpus at the
//         start of the run and kept in the run directory, so a resumed run tokenizes the same.
// Prompt and completion are encoded separately by the data code, so no token straddles the
// boundary of the loss mask.
#pragma once
#include "core/config/config.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace r1wb::gpu {

//! Receives progress lines of long preparations (tokenizer training, corpus tokenizing).
using Log = std::function<void(const std::string&)>;

//! What a vocabulary entry is (SentencePiece's types; exports write them for llama.cpp).
enum class TokenKind { Normal, Unknown, Control, Byte, Unused };

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  //! The text of one token as the vocabulary spells it (bpe: "\u2581" for a space).
  virtual std::string piece(int64_t id) const = 0;
  //! The token written after each document of a text corpus (byte: '\n'; bpe: </s>).
  virtual int64_t document_end() const = 0;
  virtual int64_t vocab_size() const = 0;
  //! A fingerprint of the vocabulary, so caches of token ids know when they are stale.
  virtual uint32_t fingerprint() const = 0;
  //! The piece's score (bpe: its merge priority, higher merges first; byte: 0).
  virtual float score(int64_t) const { return 0; }
  virtual TokenKind kind(int64_t) const { return TokenKind::Normal; }
};

class ByteTokenizer : public Tokenizer {
 public:
  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  std::string piece(int64_t id) const override { return std::string(1, char(id & 0xFF)); }
  int64_t document_end() const override { return '\n'; }
  int64_t vocab_size() const override { return 256; }
  uint32_t fingerprint() const override { return 256; }
};

//! The run's tokenizer: bytes, or the BPE model in run_dir (trained there first when it is
//! missing, from the corpus the experiment's data section names). `log` receives progress lines.
//! Throws "model.vocab_size: ..." when a model found in run_dir has more pieces than the model.
std::unique_ptr<Tokenizer> open_run_tokenizer(const Experiment& e, const std::string& run_dir, const Log& log);

}  // namespace r1wb::gpu
