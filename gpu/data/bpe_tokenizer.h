// SentencePiece BPE behind the Tokenizer interface. Trained lossless: no normalisation,
// whitespace kept as is, digits split one per token (arithmetic tasks stay learnable), and
// byte fallback so text outside the training corpus still encodes.
//
// Why a plugin: Debian's libsentencepiece carries its own copy of protobuf-lite and exports
// it, while LibTorch loads the system libprotobuf; linked into one program, each library's
// protobuf calls land in the other's copy and the process crashes before main. So
// SentencePiece lives in libr1wb_sentencepiece.so (sentencepiece_plugin.cpp), loaded on
// first use with RTLD_LOCAL | RTLD_DEEPBIND so it and its protobuf bind only to each other.
// The plugin is looked for next to the running executable, or at $R1WB_SENTENCEPIECE_PLUGIN.
#pragma once
#include "gpu/data/tokenizer.h"

#include <functional>
#include <memory>

namespace r1wb::gpu {

//! Calls `sentence` until it returns false; each string is one training sentence.
using SentenceSource = std::function<bool(std::string& sentence)>;

//! Loads a model file; throws with the path and SentencePiece's message.
std::unique_ptr<Tokenizer> open_bpe_tokenizer(const std::string& model_path);

//! Trains a BPE model of vocab_size pieces on the sentences and writes it to model_path
//! (atomically) and its pieces, one "id<TAB>piece" line each, to model_path's ".vocab"
//! sibling for viewers. The same sentences and seed give the same model. Throws
//! "model.vocab_size: ..." when SentencePiece refuses the size.
void train_bpe(const SentenceSource& sentences, int vocab_size, const std::string& model_path, int threads,
               uint32_t seed);

}  // namespace r1wb::gpu
